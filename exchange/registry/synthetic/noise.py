"""How data about our residents gets garbled on its way through a foreign institution's systems.

Each function takes the random generator and a value and returns the value as the institution might
have recorded it. The rates in `NoiseRates` say how often each happens per reported party.
"""

from __future__ import annotations

import random
import string
import unicodedata
from dataclasses import dataclass
from datetime import date

from exchange.registry.synthetic.names import SPELLING_VARIANTS

_GERMAN_TRANSLITERATION = str.maketrans(
    {"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue"}
)


@dataclass(frozen=True, slots=True)
class NoiseRates:
    name_typo: float = 0.08  # per name part
    swapped_names: float = 0.03
    initial_only: float = 0.04  # the first given name reduced to its initial
    middle_names_dropped: float = 0.5
    no_first_name: float = 0.01  # CRS "NFN"
    transliterated: float = 0.3  # of the names that have accents or a known variant
    birth_date_missing: float = 0.05
    birth_date_typo: float = 0.03
    day_month_swapped: float = 0.02
    former_address: float = 0.25  # of the parties that moved
    other_language_address: float = 0.3  # of the Brussels addresses
    free_text_address: float = 0.3
    address_typo: float = 0.05
    tin_missing: float = 0.2
    tin_typo: float = 0.03
    tin_wrong: float = 0.01  # another taxpayer's valid number
    tin_formatted: float = 0.3  # with the dots and dash of the Belgian card


def typo(rng: random.Random, text: str) -> str:
    """One keyboard slip: a letter replaced, dropped, doubled, or two neighbours swapped."""
    if len(text) < 3:
        return text
    position = rng.randrange(1, len(text) - 1)  # the first letter is rarely mistyped
    operation = rng.randrange(4)
    if operation == 0:
        return text[:position] + rng.choice(string.ascii_lowercase) + text[position + 1 :]
    if operation == 1:
        return text[:position] + text[position + 1 :]
    if operation == 2:
        return text[:position] + text[position] + text[position:]
    return text[: position - 1] + text[position] + text[position - 1] + text[position + 1 :]


def transliterate(rng: random.Random, text: str) -> str:
    """Another spelling of the same name: a known variant, German umlauts spelled out, or no accents."""
    variants = SPELLING_VARIANTS.get(text)
    if variants:
        return rng.choice(variants)
    if any(ch in text for ch in "äöüßÄÖÜ") and rng.random() < 0.6:
        return text.translate(_GERMAN_TRANSLITERATION)
    return "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))


def digit_typo(rng: random.Random, digits: str) -> str:
    position = rng.randrange(len(digits))
    replacement = rng.choice([d for d in string.digits if d != digits[position]])
    return digits[:position] + replacement + digits[position + 1 :]


def birth_date_typo(rng: random.Random, born: date) -> date:
    """A date one digit off that is still a calendar date (the institution's form accepted it)."""
    for _ in range(20):
        text = digit_typo(rng, f"{born:%Y%m%d}")
        try:
            return date(int(text[:4]), int(text[4:6]), int(text[6:]))
        except ValueError:
            continue
    return born


def day_month_swapped(born: date) -> date:
    try:
        return date(born.year, born.day, born.month)
    except ValueError:
        return born


def belgian_format(number: str) -> str:
    """85073003328 as printed on the Belgian identity card: 85.07.30-033.28."""
    if len(number) != 11:
        return number
    return f"{number[:2]}.{number[2:4]}.{number[4:6]}-{number[6:9]}.{number[9:]}"
