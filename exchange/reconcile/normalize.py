"""Folding names, addresses and numbers into the forms the linkage compares.

Foreign institutions write our residents' names with or without accents, transliterate umlauts (ü as ue),
split or join particles (van den Berg, Vandenberg) and add punctuation. Both sides of every comparison go
through the same folding, so these variants compare equal and only real differences remain.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Letters that NFKD does not decompose into an ASCII base letter.
_SPECIAL_LETTERS = str.maketrans(
    {"ß": "ss", "æ": "ae", "Æ": "ae", "ø": "o", "Ø": "o", "œ": "oe", "Œ": "oe", "ł": "l", "Ł": "l", "đ": "d"}
)
# German and Dutch transliterations: ü/ue, ö/oe, ä/ae, and Dutch ij/y, fold to one spelling.
_DIGRAPHS = re.compile(r"ae|oe|ue|ij")
_DIGRAPH_FOLD = {"ae": "a", "oe": "o", "ue": "u", "ij": "y"}
_NOT_WORD = re.compile(r"[^a-z0-9]+")

# Legal forms carry no identity: "Immo Lux S.A." and "Immo Lux SA" are the same entity.
_LEGAL_FORM_WORDS = (
    "sa nv bv bvba srl sprl sarl sca scs scrl cv cvba vzw asbl gmbh ag kg ltd plc inc llc sas se"
)
LEGAL_FORMS = frozenset((_LEGAL_FORM_WORDS + " sc vof comm commv scomm v b a s l").split(" "))


@lru_cache(maxsize=200_000)
def fold(text: str) -> str:
    """Lower-case ASCII words separated by single spaces, accents and punctuation removed."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_SPECIAL_LETTERS))
    ascii_text = decomposed.encode("ascii", "ignore").decode("ascii").lower()
    return _NOT_WORD.sub(" ", ascii_text).strip()


@lru_cache(maxsize=200_000)
def fold_name(text: str) -> str:
    """A name folded for comparison: transliteration digraphs unified, spaces kept between words."""
    return _DIGRAPHS.sub(lambda m: _DIGRAPH_FOLD[m.group()], fold(text))


def family_key(text: str) -> str:
    """A family name as one word, so "van den Berg" and "Vandenberg" compare equal."""
    return fold_name(text).replace(" ", "")


def organisation_key(text: str) -> str:
    """An entity name without its legal form, words kept in order."""
    return " ".join(word for word in fold_name(text).split() if word not in LEGAL_FORMS)


def post_code_key(text: str) -> str:
    """Post codes without country prefix or spaces: "L-1234" and "1234", "1012 AB" and "1012AB"."""
    value = fold(text).replace(" ", "")
    return re.sub(r"^(?:b|l|nl|d|f)(?=\d)", "", value)


def house_number_key(text: str) -> str:
    """The leading number of a house number ("16 bus 3" -> "16"): boxes and suffixes vary most."""
    match = re.match(r"\d+", fold(text))
    return match.group() if match else fold(text)


def tin_key(text: str) -> str:
    """A TIN without separators, upper-cased: how numbers of unknown schemes are compared."""
    return re.sub(r"[^0-9A-Za-z]", "", text).upper()
