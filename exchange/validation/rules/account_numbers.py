"""Is an AccountNumber an IBAN (60000)? python-stdnum decides, with its per-country work done once.

Only the IBAN's electronic format counts (ISO 13616-1: capital letters and digits, no separators), the
form the CRS user guide asks for when AcctNumberType is OECD601: a number printed in groups of four
('DE89 3704 ...'), or in lower case, is not an IBAN in that format, however stdnum would normalise it.
(The standard's text was not at hand here; capitals only is our reading of the electronic format.)

`stdnum.iban.is_valid` normalises the number, looks the country up in its registry, turns the BBAN
structure into a regular expression and looks for a national module on every call: about 30 µs, a fifth
of a report's whole validation. The same checks are made here, from the same registry and national
modules, with what depends only on the country cached (at most 36² country codes, so the cache is bounded
whatever a file holds). tests/rules/test_account_numbers.py holds the answer equal to stdnum's on a
corpus of valid and broken numbers in electronic format, and False for every other form.
"""

from __future__ import annotations

import re
from functools import cache
from typing import TYPE_CHECKING

from stdnum import numdb
from stdnum.exceptions import ValidationError
from stdnum.util import get_cc_module

if TYPE_CHECKING:
    from stdnum.util import NumberValidationModule

_REGISTRY = numdb.get("iban")
_PART = re.compile(r"([1-9][0-9]*)!([nac])")  # "4!a": four letters; n digits, c letters or digits
_CLASSES = {"n": "[0-9]", "a": "[A-Z]", "c": "[A-Za-z0-9]"}
_ELECTRONIC = re.compile(r"[0-9A-Z]+")  # the electronic format: what stdnum's compact leaves unchanged
IBAN_MAX_LENGTH = 34  # ISO 13616: no country's IBAN is longer
_BASE_36 = str.maketrans(
    {letter: str(10 + offset) for offset, letter in enumerate("ABCDEFGHIJKLMNOPQRSTUVWXYZ")}
)


def is_iban(value: str) -> bool:
    if len(value) > IBAN_MAX_LENGTH or _ELECTRONIC.fullmatch(value) is None:
        return False  # too long, spaces, separators, lower case, other scripts: not an electronic IBAN
    number, country = value, value[:2]
    # ISO 7064 MOD 97-10 over the number with its first four characters moved to the end, letters
    # counting 10 to 35: what stdnum's mod_97_10 computes one character at a time.
    if int((number[4:] + number[:4]).translate(_BASE_36)) % 97 != 1:
        return False
    bban = _bban_pattern(country)
    if bban is None or bban.fullmatch(number[4:]) is None:
        return False
    national = _national_module(country)
    if national is not None:
        try:
            national.validate(number)
        except ValidationError:
            return False
    return True


@cache
def _bban_pattern(country: str) -> re.Pattern[str] | None:
    """The country's BBAN structure as a pattern; None for a country the registry has no IBAN for."""
    if len(country) != 2:
        return None
    found = _REGISTRY.info(country)
    structure = found[0][1].get("bban") if found and found[0][1] else None
    if structure is None:
        return None
    return re.compile(_PART.sub(lambda part: f"{_CLASSES[part.group(2)]}{{{part.group(1)}}}", structure))


@cache
def _national_module(country: str) -> NumberValidationModule | None:
    return get_cc_module(country.lower(), "iban")
