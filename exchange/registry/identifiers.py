"""National identifiers (TINs) of the jurisdictions the product knows, checked with python-stdnum.

One scheme per kind of number (FACTS.md §6); a country may have several, tried in order, and which
apply depends on whether the holder is a person or an entity. A country without rules here keeps its
numbers in a compact form, marked unchecked, rather than refusing them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from stdnum.be import bis as be_bis
from stdnum.be import nn as be_nn
from stdnum.be import vat as be_vat
from stdnum.de import idnr as de_idnr
from stdnum.fr import nif as fr_nif
from stdnum.nl import bsn as nl_bsn

from exchange.errors import ExchangeError
from exchange.records import PartyKind
from exchange.registry import lu_matricule


class IdType(StrEnum):
    BE_NATIONAL_NUMBER = "be_nn"
    BE_BIS_NUMBER = "be_bis"
    BE_ENTERPRISE_NUMBER = "be_enterprise"
    NL_BSN = "nl_bsn"
    NL_RSIN = "nl_rsin"
    LU_MATRICULE = "lu_matricule"
    DE_IDNR = "de_idnr"
    FR_SPI = "fr_spi"
    UNCHECKED = "unchecked"  # a country or kind without rules here


class InvalidIdentifierError(ExchangeError):
    """The number breaks its scheme's rules; the message says which, never the number itself."""


@dataclass(frozen=True, slots=True)
class Scheme:
    id_type: IdType
    country: str
    kind: PartyKind
    label: str
    validate: Callable[[str], str]  # the compact number, or a stdnum ValidationError


def _nl_nine_digits(number: str) -> str:
    # BSN and RSIN share the 11-proof; stdnum pads shorter numbers to 9 digits itself.
    return nl_bsn.validate(number)


_PERSON = PartyKind.INDIVIDUAL
_ENTITY = PartyKind.ORGANISATION

SCHEMES: tuple[Scheme, ...] = (
    Scheme(IdType.BE_NATIONAL_NUMBER, "BE", _PERSON, "BE national number", be_nn.validate),
    Scheme(IdType.BE_BIS_NUMBER, "BE", _PERSON, "BE BIS number", be_bis.validate),
    Scheme(IdType.BE_ENTERPRISE_NUMBER, "BE", _ENTITY, "BE enterprise number", be_vat.validate),
    Scheme(IdType.NL_BSN, "NL", _PERSON, "NL BSN", _nl_nine_digits),
    Scheme(IdType.NL_RSIN, "NL", _ENTITY, "NL RSIN", _nl_nine_digits),
    Scheme(IdType.LU_MATRICULE, "LU", _PERSON, "LU matricule", lu_matricule.validate),
    Scheme(IdType.DE_IDNR, "DE", _PERSON, "DE Steuer-IdNr", de_idnr.validate),
    Scheme(IdType.FR_SPI, "FR", _PERSON, "FR SPI", fr_nif.validate),
)

_UNCHECKED_FORM = re.compile(r"[A-Z0-9]{4,30}")


@dataclass(frozen=True, slots=True)
class Identifier:
    country: str
    id_type: IdType
    value: str  # compact: digits only for every checked scheme


def schemes_for(country: str, kind: PartyKind | None = None) -> tuple[Scheme, ...]:
    return tuple(s for s in SCHEMES if s.country == country and (kind is None or s.kind is kind))


def has_rules(country: str) -> bool:
    return any(s.country == country for s in SCHEMES)


def compact_unchecked(raw: str) -> str:
    """Upper-case letters and digits only: the form in which numbers without rules are compared."""
    return re.sub(r"[^0-9A-Za-z]", "", raw).upper()


def identify(country: str, raw: str, kind: PartyKind | None = None) -> Identifier:
    """The identifier `raw` is under the first scheme of `country` (and `kind`) that accepts it."""
    country = country.strip().upper()
    schemes = schemes_for(country, kind)
    if not schemes:
        value = compact_unchecked(raw)
        if not _UNCHECKED_FORM.fullmatch(value):
            raise InvalidIdentifierError(f"{country} identifier must be 4 to 30 letters or digits")
        return Identifier(country, IdType.UNCHECKED, value)
    problems = []
    for scheme in schemes:
        try:
            return Identifier(country, scheme.id_type, scheme.validate(raw.strip()))
        except ValueError as exc:  # every stdnum ValidationError is a ValueError
            problems.append(f"{scheme.label}: {_reason(exc)}")
    raise InvalidIdentifierError("not a valid " + "; nor a valid ".join(problems))


def _reason(exc: ValueError) -> str:
    # stdnum's messages describe the rule broken ("checksum ... invalid"), not the value.
    return str(exc).rstrip(".").lower() or type(exc).__name__


def normalize_tin(raw: str, country: str, kind: PartyKind | None = None) -> str | None:
    """The compact valid form of a TIN issued by `country`, or None when it breaks the rules."""
    try:
        return identify(country, raw, kind).value
    except InvalidIdentifierError:
        return None
