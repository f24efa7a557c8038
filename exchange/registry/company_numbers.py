"""Enterprise and VAT numbers of Benelux companies, checked with python-stdnum where it has the scheme.

- BE: the enterprise number (ondernemingsnummer / numéro d'entreprise, 10 digits, mod 97) is also the VAT
  number with the prefix BE: both checked with `stdnum.be.vat`.
- NL: the VAT number (btw-id, NL + 9 digits + B + 2 digits) with `stdnum.nl.btw`; the KvK number (8
  digits) has no check digit and stdnum has no module for it: only its form is checked (uncertain: KvK
  publishes no checksum).
- LU: the VAT number (LU + 8 digits, mod 89) with `stdnum.lu.tva`; the RCS number (a letter and digits,
  such as B123456) has no check digit: only its form is checked.

Numbers are kept compact: digits (and the RCS letter) without separators; VAT numbers with their
two-letter prefix, as the DPI VAT element and the EU VIES write them.
"""

from __future__ import annotations

import contextlib
import re

from stdnum.be import vat as be_vat
from stdnum.exceptions import ValidationError
from stdnum.lu import tva as lu_tva
from stdnum.nl import btw as nl_btw

from exchange.errors import ExchangeError

COUNTRIES = ("BE", "NL", "LU")
_KVK = re.compile(r"\d{8}")
_RCS = re.compile(r"[A-Z]\d{1,6}")
_VAT_MODULES = {"BE": be_vat, "NL": nl_btw, "LU": lu_tva}


class InvalidCompanyNumberError(ExchangeError):
    """The number is not a valid enterprise or VAT number of the country; the message never repeats it."""


def enterprise_number(country: str, value: str) -> str:
    """The compact enterprise number, or InvalidCompanyNumberError."""
    if country == "BE":
        try:
            return str(be_vat.validate(value))
        except ValidationError:
            raise InvalidCompanyNumberError("not a Belgian enterprise number (10 digits, mod 97)") from None
    compact = re.sub(r"[\s.\-/]", "", value).upper()
    if country == "NL":
        if not _KVK.fullmatch(compact):
            raise InvalidCompanyNumberError("not a Dutch KvK number (8 digits)")
        return compact
    if country == "LU":
        if not _RCS.fullmatch(compact):
            raise InvalidCompanyNumberError("not a Luxembourg RCS number (a letter and up to 6 digits)")
        return compact
    raise InvalidCompanyNumberError(f"no enterprise number scheme for {country!r}: choose one of BE, NL, LU")


def vat_number(country: str, value: str) -> str:
    """The compact VAT number with its country prefix (BE0123456749), or InvalidCompanyNumberError."""
    module = _VAT_MODULES.get(country)
    if module is None:
        raise InvalidCompanyNumberError(f"no VAT number scheme for {country!r}: choose one of BE, NL, LU")
    try:
        compact = str(module.validate(value))
    except ValidationError:
        raise InvalidCompanyNumberError(f"not a valid {country} VAT number") from None
    return compact if compact.startswith(country) else country + compact


def vat_of_enterprise(country: str, enterprise: str) -> str | None:
    """The VAT number an enterprise number implies: in Belgium they are the same number."""
    return "BE" + enterprise if country == "BE" else None


def read_any(value: str, countries: tuple[str, ...] = COUNTRIES) -> list[tuple[str, str]]:
    """Every (country, compact number) a reported identifier can be: a VAT number with its prefix, or an
    enterprise number of one of the countries. Used to match identifiers that carry no scheme."""
    found: list[tuple[str, str]] = []
    prefix = value.strip()[:2].upper()
    if prefix in _VAT_MODULES:
        with contextlib.suppress(InvalidCompanyNumberError):
            found.append((prefix, vat_number(prefix, value)))
    for country in countries:
        try:
            found.append((country, enterprise_number(country, value)))
        except InvalidCompanyNumberError:
            continue
    return found
