"""The Luxembourg national identification number of a person (matricule, 13 digits).

Layout YYYYMMDD XXX L V: the birth date, a serial, then two check digits computed over the same first
11 digits, L with the Luhn algorithm and V with the Verhoeff algorithm (FACTS.md §6). python-stdnum has
no module for it, so it is assembled here from stdnum's Luhn and Verhoeff building blocks.
"""

from __future__ import annotations

from datetime import date

from stdnum import luhn, verhoeff
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength
from stdnum.util import clean, isdigits

LENGTH = 13
_BODY = 11


def compact(number: str) -> str:
    return clean(number, " .-/").strip()


def check_digits(body: str) -> str:
    """The two check digits (Luhn, then Verhoeff) of the first 11 digits."""
    return luhn.calc_check_digit(body) + verhoeff.calc_check_digit(body)


def birth_date(number: str) -> date:
    number = compact(number)
    try:
        return date(int(number[0:4]), int(number[4:6]), int(number[6:8]))
    except ValueError:
        raise InvalidComponent("the first eight digits are not a calendar date") from None


def validate(number: str) -> str:
    """The compact number if it is valid; raises a stdnum ValidationError otherwise."""
    number = compact(number)
    if not isdigits(number):
        raise InvalidFormat()
    if len(number) != LENGTH:
        raise InvalidLength()
    birth_date(number)
    if number[_BODY:] != check_digits(number[:_BODY]):
        raise InvalidChecksum()
    return number


def is_valid(number: str) -> bool:
    try:
        return bool(validate(number))
    except ValueError:  # stdnum's ValidationError derives from ValueError
        return False


def make(born: date, serial: int) -> str:
    """A valid matricule for a birth date and a serial (0-999): for synthetic data."""
    body = f"{born:%Y%m%d}{serial:03d}"
    return body + check_digits(body)
