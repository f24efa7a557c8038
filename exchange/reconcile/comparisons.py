"""How two profiles agree, field by field: each function returns a level (0 = strongest agreement,
the last = disagreement) or NULL when one side lacks the field, which then weighs nothing.

The thresholds are those of the usual Fellegi-Sunter comparisons (Jaro-Winkler 0.92 and 0.80 on names,
one edit on dates and numbers); the labels in exchange.reconcile.model name them for analysts.
"""

from __future__ import annotations

from rapidfuzz import fuzz
from rapidfuzz.distance import OSA, JaroWinkler

from exchange.reconcile.profile import AddressKey

NULL = -1

_CLOSE = 0.92
_SIMILAR = 0.80
_STREET = 0.88


def _close(a: str, b: str, similarity: float) -> bool:
    # Jaro-Winkler alone misses a transposition in a short name (Jan, Jna): one edit counts as close.
    return similarity >= _CLOSE or (len(a) > 2 and OSA.distance(a, b, score_cutoff=1) <= 1)


def given_name_level(a: str, a_all: str, b: str, b_all: str) -> int:
    """0 exact, 1 one edit or JW >= 0.92, 2 JW >= 0.80, 3 an initial or another of the given names,
    4 different."""
    if not a or not b:
        return NULL
    if a == b:
        return 0
    similarity = JaroWinkler.similarity(a, b)
    if _close(a, b, similarity):
        return 1
    if (len(a) == 1 or len(b) == 1) and a[0] == b[0]:
        return 3
    if a in b_all.split() or b in a_all.split():
        return 3
    return 2 if similarity >= _SIMILAR else 4


def family_name_level(a: str, b: str) -> int:
    """0 exact, 1 one edit or JW >= 0.92, 2 JW >= 0.80, 3 one contains the other (a dropped particle),
    4 different."""
    if not a or not b:
        return NULL
    if a == b:
        return 0
    similarity = JaroWinkler.similarity(a, b)
    if _close(a, b, similarity):
        return 1
    shorter, longer = (a, b) if len(a) <= len(b) else (b, a)
    if len(shorter) >= 3 and shorter in longer:
        return 3
    return 2 if similarity >= _SIMILAR else 4


def birth_date_level(a: str, b: str) -> int:
    """0 exact, 1 one typo or day and month swapped, 2 years at most one apart, 3 different.

    Dates are compared as YYYYMMDD text, so an impossible date reported by a sender still compares.
    """
    if not a or not b:
        return NULL
    if a == b:
        return 0
    if OSA.distance(a, b, score_cutoff=1) <= 1 or (a[:4] == b[:4] and a[4:6] == b[6:8] and a[6:8] == b[4:6]):
        return 1
    if a[:4].isdigit() and b[:4].isdigit() and abs(int(a[:4]) - int(b[:4])) <= 1:
        return 2
    return 3


def _address_pair_level(a: AddressKey, b: AddressKey) -> int:
    same_town = (a.post_code == b.post_code) if a.post_code and b.post_code else (a.city == b.city != "")
    if not same_town:
        return 3
    if not a.street or not b.street:
        return 2
    if a.street != b.street and JaroWinkler.similarity(a.street, b.street) < _STREET:
        return 2
    return 0 if a.number and a.number == b.number else 1


def address_level(reported: tuple[AddressKey, ...], registered: tuple[AddressKey, ...]) -> tuple[int, int]:
    """(level, which registry address) for the best pair: 0 same street and number, 1 same street,
    2 same post code or town, 3 different. The registry side is the residence history, current first,
    so an institution that still has a former address gets the level of that address."""
    if not reported or not registered:
        return NULL, -1
    best, where = 4, -1
    for position, theirs in enumerate(registered):
        for ours in reported:
            level = _address_pair_level(ours, theirs)
            if level < best:
                best, where = level, position
        if best == 0:
            break
    return best, where


def tin_level(a: tuple[str, ...], b: tuple[str, ...]) -> int:
    """0 a number in common, 1 a number one typo (or one swap of neighbours) away, 2 different."""
    if not a or not b:
        return NULL
    if any(x in b for x in a):
        return 0
    for x in a:
        for y in b:
            if abs(len(x) - len(y)) <= 1 and OSA.distance(x, y, score_cutoff=1) <= 1:
                return 1
    return 2


def organisation_name_level(a: str, b: str) -> int:
    """0 exact, 1 token-sort similarity >= 90, 2 token-set similarity >= 80, 3 different."""
    if not a or not b:
        return NULL
    if a == b:
        return 0
    if fuzz.token_sort_ratio(a, b) >= 90:
        return 1
    return 2 if fuzz.token_set_ratio(a, b) >= 80 else 3
