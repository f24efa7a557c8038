"""Names, addresses, identifiers and the parties built from them (holders, controlling persons,
substantial owners): the same shapes in CRS v2.0, CRS v3.0 and FATCA v2.0."""

from __future__ import annotations

from dataclasses import replace

from lxml import etree

from exchange.extract.xmltext import (
    attribute,
    child,
    child_text,
    child_texts,
    children,
    parse_date,
    text,
)
from exchange.records import TIN, Address, AddressFix, Name, Party, PartyKind, PartyRole


def person_name(element: etree._Element) -> Name:
    return Name(
        first=child_text(element, "FirstName"),
        middle=child_texts(element, "MiddleName"),
        last=child_text(element, "LastName"),
        name_prefix=child_text(element, "NamePrefix"),
        preceding_title=child_text(element, "PrecedingTitle"),
        titles=child_texts(element, "Title"),
        generation_identifiers=child_texts(element, "GenerationIdentifier"),
        suffixes=child_texts(element, "Suffix"),
        general_suffix=child_text(element, "GeneralSuffix"),
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
    return AddressFix(
        city=child_text(element, "City") or "",
        street=child_text(element, "Street"),
        building_identifier=child_text(element, "BuildingIdentifier"),
        suite_identifier=child_text(element, "SuiteIdentifier"),
        floor_identifier=child_text(element, "FloorIdentifier"),
        district_name=child_text(element, "DistrictName"),
        pob=child_text(element, "POB"),
        post_code=child_text(element, "PostCode"),
        country_subentity=child_text(element, "CountrySubentity"),
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


def individual(element: etree._Element, role: PartyRole) -> Party:
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
    )


def organisation(element: etree._Element, role: PartyRole) -> Party:
    return Party(
        kind=PartyKind.ORGANISATION,
        role=role,
        names=tuple(organisation_name(item) for item in children(element, "Name")),
        res_country_codes=child_texts(element, "ResCountryCode"),
        tins=organisation_identifiers(element),
        addresses=addresses(element),
    )


def _empty(role: PartyRole) -> Party:
    # A holder the schema finding already reports as missing: a party with nothing in it.
    return Party(kind=PartyKind.INDIVIDUAL, names=(), role=role)


def account_holder(element: etree._Element | None) -> Party:
    """AccountHolder: an Individual, or an Organisation with its AcctHolderType; CRS v3 adds
    EquityInterestType* and SelfCert before them."""
    if element is None:
        return _empty(PartyRole.HOLDER)
    person = child(element, "Individual")
    entity = child(element, "Organisation")
    if person is not None:
        party = individual(person, PartyRole.HOLDER)
    elif entity is not None:
        party = organisation(entity, PartyRole.HOLDER)
    else:
        party = _empty(PartyRole.HOLDER)
    return replace(
        party,
        acct_holder_type=child_text(element, "AcctHolderType"),
        self_cert=child_text(element, "SelfCert"),
        equity_interest_types=child_texts(element, "EquityInterestType"),
    )


def controlling_person(element: etree._Element) -> Party:
    """CRS ControllingPerson: an Individual with CtrlgPersonType (several in v3.0) and, in v3.0, SelfCert."""
    person = child(element, "Individual")
    party = (
        _empty(PartyRole.CONTROLLING_PERSON)
        if person is None
        else individual(person, PartyRole.CONTROLLING_PERSON)
    )
    return replace(
        party,
        ctrlg_person_types=child_texts(element, "CtrlgPersonType"),
        self_cert=child_text(element, "SelfCert"),
    )


def substantial_owner(element: etree._Element) -> Party:
    """FATCA SubstantialOwner: an Individual or an Organisation."""
    person = child(element, "Individual")
    if person is not None:
        return individual(person, PartyRole.SUBSTANTIAL_OWNER)
    entity = child(element, "Organisation")
    if entity is not None:
        return organisation(entity, PartyRole.SUBSTANTIAL_OWNER)
    return _empty(PartyRole.SUBSTANTIAL_OWNER)
