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


# Letters that sound alike in Dutch, French and German names, as one consonant class each; vowels
# (and h, w, y after the first letter) carry little of a name's identity and are the letters most often
# mistyped or transliterated, so they are dropped.
_SOUND_CLASSES = str.maketrans("pvcgqxzd", "bfkkkkst")
_SOUND_DIGRAPHS = (("sch", "s"), ("ch", "s"), ("ph", "f"), ("ck", "k"), ("dt", "t"), ("th", "t"))
_QUIET = re.compile(r"[aeiouyhw]")
_REPEATED = re.compile(r"(.)\1+")
NAME_CODE_LENGTH = 8


@lru_cache(maxsize=200_000)
def name_code(folded: str) -> str:
    """A phonetic key of a folded name for blocking: its first letter, then up to seven consonant
    classes, repeats collapsed ("peeters", "pieters", "peters" -> "ptrs"; "vandenbossche" -> "vntnbs").

    Soundex's idea with more of the name kept, so that blocks stay small in a national registry:
    a typo in a vowel, a doubled or dropped letter, ck/k, ph/f, dt/t and ij/y leave the key as it is;
    a wrong consonant changes it, and the other blocking rules catch those."""
    text = folded.replace(" ", "")
    if not text:
        return ""
    for digraph, sound in _SOUND_DIGRAPHS:
        text = text.replace(digraph, sound)
    first, rest = text[0], text[1:]
    skeleton = _REPEATED.sub(r"\1", first + _QUIET.sub("", rest).translate(_SOUND_CLASSES))
    return skeleton[:NAME_CODE_LENGTH]
