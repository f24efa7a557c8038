"""Names, addresses, identifiers and the parties built from them (holders, controlling persons,
substantial owners): the same shapes in CRS v2.0, CRS v3.0 and FATCA v2.0."""

from __future__ import annotations

from typing import TypedDict, Unpack

from lxml import etree

from exchange.extract.xmltext import (
    attribute,
    child,
    child_text,
    child_texts,
    children,
    first,
    parse_date,
    present,
    text,
    texts_by_name,
)
from exchange.records import TIN, Address, AddressFix, Name, Party, PartyKind, PartyRole


def person_name(element: etree._Element) -> Name:
    texts = texts_by_name(element)
    return Name(
        first=first(texts, "FirstName"),
        middle=present(texts, "MiddleName"),
        last=first(texts, "LastName"),
        name_prefix=first(texts, "NamePrefix"),
        preceding_title=first(texts, "PrecedingTitle"),
        titles=present(texts, "Title"),
        generation_identifiers=present(texts, "GenerationIdentifier"),
        suffixes=present(texts, "Suffix"),
        general_suffix=first(texts, "GeneralSuffix"),
        name_type=attribute(element, "nameType"),
    )


def organisation_name(element: etree._Element) -> Name:
    return Name(full=text(element), name_type=attribute(element, "nameType"))


def address(element: etree._Element) -> Address:
    fix = child(element, "AddressFix")
    return Address(
        country_code=child_text(element, "CountryCode") or "",
        free=child_text(element, "AddressFree"),
        fix=None if fix is None else address_fix(fix),
        legal_address_type=attribute(element, "legalAddressType"),
    )


def address_fix(element: etree._Element) -> AddressFix:
    texts = texts_by_name(element)
    return AddressFix(
        city=first(texts, "City") or "",
        street=first(texts, "Street"),
        building_identifier=first(texts, "BuildingIdentifier"),
        suite_identifier=first(texts, "SuiteIdentifier"),
        floor_identifier=first(texts, "FloorIdentifier"),
        district_name=first(texts, "DistrictName"),
        pob=first(texts, "POB"),
        post_code=first(texts, "PostCode"),
        country_subentity=first(texts, "CountrySubentity"),
    )


def identifiers(element: etree._Element, name: str) -> tuple[TIN, ...]:
    """TIN (persons, FATCA organisations) or IN (CRS organisations, which add an INType)."""
    return tuple(
        TIN(value, issued_by=attribute(item, "issuedBy"), in_type=attribute(item, "INType"))
        for item in children(element, name)
        if (value := text(item)) is not None
    )


def organisation_identifiers(element: etree._Element) -> tuple[TIN, ...]:
    return identifiers(element, "IN") or identifiers(element, "TIN")


def addresses(element: etree._Element) -> tuple[Address, ...]:
    return tuple(address(item) for item in children(element, "Address"))


class _RoleFields(TypedDict, total=False):
    """What the party's role element adds around its Individual or Organisation."""

    acct_holder_type: str | None
    ctrlg_person_types: tuple[str, ...]
    self_cert: str | None
    equity_interest_types: tuple[str, ...]


# The role's fields are passed in rather than added with `dataclasses.replace` afterwards: a second
# Party per holder and per controlling person was a visible share of the extraction.


def individual(element: etree._Element, role: PartyRole, **extra: Unpack[_RoleFields]) -> Party:
    birth = child(element, "BirthInfo")
    country_info = None if birth is None else child(birth, "CountryInfo")
    return Party(
        kind=PartyKind.INDIVIDUAL,
        role=role,
        names=tuple(person_name(item) for item in children(element, "Name")),
        res_country_codes=child_texts(element, "ResCountryCode"),
        tins=identifiers(element, "TIN"),
        addresses=addresses(element),
        nationalities=child_texts(element, "Nationality"),
        birth_date=None if birth is None else parse_date(child_text(birth, "BirthDate")),
        birth_city=None if birth is None else child_text(birth, "City"),
        birth_city_subentity=None if birth is None else child_text(birth, "CitySubentity"),
        birth_country_code=None if country_info is None else child_text(country_info, "CountryCode"),
        birth_former_country_name=(
            None if country_info is None else child_text(country_info, "FormerCountryName")
        ),
        **extra,
    )


def organisation(element: etree._Element, role: PartyRole, **extra: Unpack[_RoleFields]) -> Party:
    return Party(
        kind=PartyKind.ORGANISATION,
        role=role,
        names=tuple(organisation_name(item) for item in children(element, "Name")),
        res_country_codes=child_texts(element, "ResCountryCode"),
        tins=organisation_identifiers(element),
        addresses=addresses(element),
        **extra,
    )


def _empty(role: PartyRole, **extra: Unpack[_RoleFields]) -> Party:
    # A holder the schema finding already reports as missing: a party with nothing in it.
    return Party(kind=PartyKind.INDIVIDUAL, names=(), role=role, **extra)


def account_holder(element: etree._Element | None) -> Party:
    """AccountHolder: an Individual, or an Organisation with its AcctHolderType; CRS v3 adds
    EquityInterestType* and SelfCert before them."""
    if element is None:
        return _empty(PartyRole.HOLDER)
    extra = _RoleFields(
        acct_holder_type=child_text(element, "AcctHolderType"),
        self_cert=child_text(element, "SelfCert"),
        equity_interest_types=child_texts(element, "EquityInterestType"),
    )
    person = child(element, "Individual")
    entity = child(element, "Organisation")
    if person is not None:
        return individual(person, PartyRole.HOLDER, **extra)
    if entity is not None:
        return organisation(entity, PartyRole.HOLDER, **extra)
    return _empty(PartyRole.HOLDER, **extra)


def controlling_person(element: etree._Element) -> Party:
    """CRS ControllingPerson: an Individual with CtrlgPersonType (several in v3.0) and, in v3.0, SelfCert."""
    person = child(element, "Individual")
    extra = _RoleFields(
        ctrlg_person_types=child_texts(element, "CtrlgPersonType"),
        self_cert=child_text(element, "SelfCert"),
    )
    if person is None:
        return _empty(PartyRole.CONTROLLING_PERSON, **extra)
    return individual(person, PartyRole.CONTROLLING_PERSON, **extra)


def substantial_owner(element: etree._Element) -> Party:
    """FATCA SubstantialOwner: an Individual or an Organisation."""
    person = child(element, "Individual")
    if person is not None:
        return individual(person, PartyRole.SUBSTANTIAL_OWNER)
    entity = child(element, "Organisation")
    if entity is not None:
        return organisation(entity, PartyRole.SUBSTANTIAL_OWNER)
    return _empty(PartyRole.SUBSTANTIAL_OWNER)
