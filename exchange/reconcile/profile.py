"""The folded view of a person or entity that the linkage compares, from either side.

A reported party (exchange.records.Party) and a registry taxpayer both become a `Profile`; empty
strings stand for missing values so comparisons test truthiness instead of None. Only the first given
name takes part in most comparisons: middle names are what foreign institutions drop most often.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from exchange.reconcile.normalize import (
    family_key,
    fold_name,
    house_number_key,
    organisation_key,
    post_code_key,
    tin_key,
)
from exchange.records import Address, Name, Party, PartyKind


@dataclass(frozen=True, slots=True)
class AddressKey:
    post_code: str
    city: str
    street: str
    number: str


@dataclass(frozen=True, slots=True)
class Profile:
    ref: int  # the taxpayer id, or the reported party's position in its batch
    kind: PartyKind
    given: str = ""  # first given name, folded
    given_all: str = ""  # every given name, folded, space-separated
    family: str = ""  # family name as one folded word
    organisation: str = ""  # entity name without its legal form
    birth: str = ""  # YYYYMMDD
    tins: tuple[str, ...] = ()
    addresses: tuple[AddressKey, ...] = field(default=())

    def swapped(self) -> Profile:
        """The same person with given and family name exchanged (a frequent mistake abroad)."""
        family = family_key(self.given_all) if self.given_all else ""
        given = self.family
        return Profile(
            self.ref,
            self.kind,
            given,
            given,
            family,
            self.organisation,
            self.birth,
            self.tins,
            self.addresses,
        )


def birth_key(value: date | None) -> str:
    return f"{value:%Y%m%d}" if value is not None else ""


def address_key(
    post_code: str | None, city: str | None, street: str | None, number: str | None
) -> AddressKey:
    return AddressKey(
        post_code_key(post_code or ""),
        fold_name(city or ""),
        fold_name(street or ""),
        house_number_key(number or ""),
    )


def person_profile(
    ref: int,
    given_names: str | None,
    family_name: str | None,
    birth: date | None,
    tins: Iterable[str] = (),
    addresses: Sequence[AddressKey] = (),
) -> Profile:
    given_all = fold_name(given_names or "")
    return Profile(
        ref=ref,
        kind=PartyKind.INDIVIDUAL,
        given=given_all.split(" ", 1)[0],
        given_all=given_all,
        family=family_key(family_name or ""),
        birth=birth_key(birth),
        tins=tuple(tin_key(tin) for tin in tins if tin),
        addresses=tuple(addresses),
    )


def organisation_profile(
    ref: int, name: str | None, tins: Iterable[str] = (), addresses: Sequence[AddressKey] = ()
) -> Profile:
    return Profile(
        ref=ref,
        kind=PartyKind.ORGANISATION,
        organisation=organisation_key(name or ""),
        tins=tuple(tin_key(tin) for tin in tins if tin),
        addresses=tuple(addresses),
    )


NO_FIRST_NAME = "NFN"  # what CRS and FATCA files give for a person without a first name


def _given_names(name: Name) -> str:
    first = None if name.first == NO_FIRST_NAME else name.first
    return " ".join(part for part in (first, *name.middle) if part)


def _family_name(name: Name) -> str:
    return " ".join(part for part in (name.name_prefix, name.last) if part)


def _reported_address(address: Address) -> AddressKey:
    if address.fix is not None:
        fix = address.fix
        return address_key(fix.post_code, fix.city, fix.street, fix.building_identifier)
    return free_address_key(address.free or "")


_POST_CODE = re.compile(r"(?:[A-Za-z]{1,2}-)?\d{4,5}")
_NL_LETTERS = re.compile(r"[A-Za-z]{2}")
_HOUSE_NUMBER = re.compile(r"\d{1,3}[A-Za-z]?(?:[/-]\w+)?")


def free_address_key(text: str) -> AddressKey:
    """Best effort on AddressFree: "Wetstraat 16, 1000 Brussel", "16 rue de la Loi, 1000 Bruxelles",
    "Damrak 1, 1012 AB Amsterdam"; the parts the text does not give stay empty."""
    street, number, post_code, city = "", "", "", ""
    for part in (part.strip() for part in text.split(",")):
        words = part.split()
        if len(words) > 1 and not post_code and _POST_CODE.fullmatch(words[0]):
            letters = len(words) > 2 and _NL_LETTERS.fullmatch(words[1])
            post_code = words[0] + (words[1] if letters else "")
            city = " ".join(words[2:] if letters else words[1:])
        elif len(words) > 1 and not street and _HOUSE_NUMBER.fullmatch(words[0]):
            number, street = words[0], " ".join(words[1:])
        elif len(words) > 1 and not street and _HOUSE_NUMBER.fullmatch(words[-1]):
            street, number = " ".join(words[:-1]), words[-1]
        elif len(words) == 1 and not number and _HOUSE_NUMBER.fullmatch(words[0]):
            number = words[0]  # "12, rue Beaumont": the number stands alone before the street
        elif words and number and not street:
            street = part
        elif words and not city:
            city = part
    return address_key(post_code, city, street, number)


def taxpayer_profile(
    ref: int,
    kind: PartyKind,
    national_id: str,
    *,
    given_names: str | None = None,
    family_name: str | None = None,
    organisation_name: str | None = None,
    birth: date | None = None,
    addresses: Sequence[AddressKey] = (),
) -> Profile:
    """The profile of a registry taxpayer; `addresses` is the residence history, current first."""
    if kind is PartyKind.ORGANISATION:
        return organisation_profile(ref, organisation_name, (national_id,), addresses)
    return person_profile(ref, given_names, family_name, birth, (national_id,), addresses)


def party_profile(ref: int, party: Party) -> Profile:
    """The profile of a reported party: its first name element, every TIN, every address."""
    tins = [tin.value for tin in party.tins]
    addresses = [_reported_address(address) for address in party.addresses]
    name = party.names[0] if party.names else Name()
    if party.kind is PartyKind.ORGANISATION:
        return organisation_profile(ref, name.full or name.last, tins, addresses)
    if name.last is None and name.full:  # an individual given only as free text: last word is the family
        *given, family = name.full.split()
        return person_profile(ref, " ".join(given), family, party.birth_date, tins, addresses)
    return person_profile(ref, _given_names(name), _family_name(name), party.birth_date, tins, addresses)
