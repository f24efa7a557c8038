"""Blocking: which registry taxpayers are worth comparing with a reported party.

Each rule is one exact key built from a profile, and one column of the linkage index (taxpayer_link,
one row per taxpayer, an index per rule), so finding candidates is an indexed join in the database.
The keys combine fields so that a block stays small however large the registry grows: a birth date
alone is shared by some 430 Belgians of 12 million, a birth date with a phonetic code of a name by a
handful (the code of exchange.reconcile.normalize.name_code survives vowel typos, doubled letters and
ck/k, ph/f spellings). Names crossed (given and family name swapped abroad) are looked up by the
reported party in both orders, so the registry stores each key once.

Rules come in two passes: the tight first pass finds almost every true match among a handful of
candidates; only a party it leaves without a confident match pays for the wider second pass (a
mistyped birth date, none at all, or a typo in a consonant of each name). `bench/linkage.py` prints
each rule's recall on synthetic data with ground truth.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from exchange.reconcile.normalize import name_code
from exchange.reconcile.profile import Profile
from exchange.records import PartyKind


@dataclass(frozen=True, slots=True)
class BlockingRule:
    name: str  # the index column is k_<name>
    kind: PartyKind
    stage: int  # 1 always looked up, 2 only when stage 1 found no confident match
    description: str
    key: Callable[[Profile], str]  # the registry's one key of a taxpayer ("" for none)
    queries: Callable[[Profile], Iterator[str]]  # what a reported party looks up
    # Whether a reported party looks this rule up: some rules only stand in for a missing field.
    wanted: Callable[[Profile], bool] = lambda profile: True

    @property
    def column(self) -> str:
        return f"k_{self.name}"


def _orders(p: Profile) -> Iterator[tuple[str, str]]:
    """(family, given) as reported, then crossed: institutions abroad swap them."""
    if p.family and p.given:
        yield p.family, p.given
        yield p.given, p.family


def _birth_family(p: Profile) -> str:
    return f"{p.birth}{name_code(p.family)}" if p.birth and p.family else ""


def _birth_given(p: Profile) -> str:
    return f"{p.birth}{name_code(p.given)}" if p.birth and p.given else ""


def _birth_names_queries(p: Profile) -> Iterator[str]:
    # Either reported name may be the registry's family (or given) name.
    if p.birth:
        for name in (p.family, p.given):
            if name:
                yield f"{p.birth}{name_code(name)}"


def _initials(p: Profile) -> str:
    # Alphabetical order: the key survives given and family name swapped.
    if p.birth and p.family and p.given:
        return p.birth + "".join(sorted((p.family[0], p.given[0])))
    return ""


def _one(key: Callable[[Profile], str]) -> Callable[[Profile], Iterator[str]]:
    def queries(p: Profile) -> Iterator[str]:
        value = key(p)
        if value:
            yield value

    return queries


def _names(family: str, given: str) -> str:
    return f"{name_code(family)} {name_code(given)}"


def _names_year(p: Profile) -> str:
    return f"{_names(p.family, p.given)} {p.birth[:4]}" if p.family and p.given and p.birth else ""


def _names_year_queries(p: Profile) -> Iterator[str]:
    if p.birth:
        yield from (f"{_names(f, g)} {p.birth[:4]}" for f, g in _orders(p))


def _names_day(p: Profile) -> str:
    return f"{_names(p.family, p.given)} {p.birth[4:]}" if p.family and p.given and p.birth else ""


def _names_day_queries(p: Profile) -> Iterator[str]:
    if p.birth:
        yield from (f"{_names(f, g)} {p.birth[4:]}" for f, g in _orders(p))


def _names_only(p: Profile) -> str:
    return _names(p.family, p.given) if p.family and p.given else ""


def _names_only_queries(p: Profile) -> Iterator[str]:
    yield from (_names(f, g) for f, g in _orders(p))


def _family_post_code(p: Profile) -> str:
    # The current address only: one key per taxpayer. The rule stands in for a missing birth date or
    # given name, and its recall (printed by the benchmark) counts parties reported at a former address.
    post_code = p.addresses[0].post_code if p.addresses else ""
    return f"{name_code(p.family)} {post_code}" if p.family and post_code else ""


def _family_post_code_queries(p: Profile) -> Iterator[str]:
    if p.family:
        for post_code in dict.fromkeys(a.post_code for a in p.addresses if a.post_code):
            yield f"{name_code(p.family)} {post_code}"


def _organisation_first_word(p: Profile) -> str:
    return p.organisation.split(" ", 1)[0] if p.organisation else ""


def _organisation_post_code(p: Profile) -> str:
    post_code = p.addresses[0].post_code if p.addresses else ""
    return f"{_organisation_first_word(p)} {post_code}" if p.organisation and post_code else ""


def _organisation_post_code_queries(p: Profile) -> Iterator[str]:
    if p.organisation:
        for post_code in dict.fromkeys(a.post_code for a in p.addresses if a.post_code):
            yield f"{_organisation_first_word(p)} {post_code}"


def _organisation_name(p: Profile) -> str:
    return p.organisation


def _no_birth_date(p: Profile) -> bool:
    return not p.birth


def _no_birth_date_or_given_name(p: Profile) -> bool:
    return not (p.birth and p.given)


_PERSON = PartyKind.INDIVIDUAL
_ENTITY = PartyKind.ORGANISATION

RULES: tuple[BlockingRule, ...] = (
    BlockingRule(
        "bdf",
        _PERSON,
        1,
        "birth date and the phonetic code of the family name",
        _birth_family,
        _birth_names_queries,
    ),
    BlockingRule(
        "bdg",
        _PERSON,
        1,
        "birth date and the phonetic code of the first given name",
        _birth_given,
        _birth_names_queries,
    ),
    BlockingRule(
        "bdi",
        _PERSON,
        2,
        "birth date and both initials, in either order (a consonant typo in each name)",
        _initials,
        _one(_initials),
    ),
    BlockingRule(
        "fgy",
        _PERSON,
        2,
        "phonetic codes of both names and the birth year (a typo in month or day)",
        _names_year,
        _names_year_queries,
    ),
    BlockingRule(
        "fgd",
        _PERSON,
        2,
        "phonetic codes of both names, birth month and day (a typo in the year)",
        _names_day,
        _names_day_queries,
    ),
    BlockingRule(
        "fg",
        _PERSON,
        2,
        "phonetic codes of both names, when no birth date is reported",
        _names_only,
        _names_only_queries,
        _no_birth_date,
    ),
    BlockingRule(
        "fpc",
        _PERSON,
        2,
        "phonetic code of the family name and the current post code, when no birth date or no given name",
        _family_post_code,
        _family_post_code_queries,
        _no_birth_date_or_given_name,
    ),
    BlockingRule(
        "opc",
        _ENTITY,
        1,
        "first word of the name and the current post code",
        _organisation_post_code,
        _organisation_post_code_queries,
    ),
    BlockingRule("on", _ENTITY, 1, "entity name", _organisation_name, _one(_organisation_name)),
    BlockingRule(
        "ow", _ENTITY, 2, "first word of the name", _organisation_first_word, _one(_organisation_first_word)
    ),
)
RULE_BY_NAME = {rule.name: rule for rule in RULES}

BlockKey = tuple[str, str]  # (rule, key)


def registry_keys(profile: Profile) -> dict[str, str]:
    """The blocking key of a taxpayer under each rule of its kind (its row of the linkage index)."""
    keys = {}
    for rule in RULES:
        if rule.kind is profile.kind:
            value = rule.key(profile)
            if value:
                keys[rule.name] = value
    return keys


def query_keys(profile: Profile, stage: int) -> set[BlockKey]:
    """What a reported party looks up in one pass."""
    return {
        (rule.name, key)
        for rule in RULES
        if rule.kind is profile.kind and rule.stage == stage and rule.wanted(profile)
        for key in rule.queries(profile)
    }
