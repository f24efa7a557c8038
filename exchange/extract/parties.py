"""Names, addresses, identifiers and the parties built from them (holders, controlling persons,
substantial owners): the same shapes in CRS v2.0, CRS v3.0 and FATCA v2.0.

Every builder walks its element's children once and takes each by its local name (see xmltext)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypedDict, Unpack

from lxml import etree

from exchange.extract.xmltext import attribute, leaf_fields, local_name, parse_date, text
from exchange.records import TIN, Address, AddressFix, Name, Party, PartyKind, PartyRole

_PERSON_NAME = {
    "FirstName": "first",
    "LastName": "last",
    "NamePrefix": "name_prefix",
    "PrecedingTitle": "preceding_title",
    "GeneralSuffix": "general_suffix",
}
_PERSON_NAME_REPEATED = {
    "MiddleName": "middle",
    "Title": "titles",
    "GenerationIdentifier": "generation_identifiers",
    "Suffix": "suffixes",
}
_ADDRESS_FIX = {
    "City": "city",
    "Street": "street",
    "BuildingIdentifier": "building_identifier",
    "SuiteIdentifier": "suite_identifier",
    "FloorIdentifier": "floor_identifier",
    "DistrictName": "district_name",
    "POB": "pob",
    "PostCode": "post_code",
    "CountrySubentity": "country_subentity",
}
_BIRTH = {"BirthDate": "birth_date", "City": "birth_city", "CitySubentity": "birth_city_subentity"}
_BIRTH_COUNTRY = {"CountryCode": "birth_country_code", "FormerCountryName": "birth_former_country_name"}


def person_name(element: etree._Element) -> Name:
    return Name(
        **leaf_fields(element, _PERSON_NAME, _PERSON_NAME_REPEATED), name_type=attribute(element, "nameType")
    )


def organisation_name(element: etree._Element) -> Name:
    return Name(full=text(element), name_type=attribute(element, "nameType"))


def address(element: etree._Element) -> Address:
    country = free = None
    fix: AddressFix | None = None
    for child in element:
        local = local_name(child)
        if local == "CountryCode" and country is None:
            country = text(child)
        elif local == "AddressFree" and free is None:
            free = text(child)
        elif local == "AddressFix" and fix is None:
            values = leaf_fields(child, _ADDRESS_FIX)
            fix = AddressFix(**{**values, "city": values.get("city") or ""})
    return Address(
        country_code=country or "",
        free=free,
        fix=fix,
        legal_address_type=attribute(element, "legalAddressType"),
    )


def identifier(element: etree._Element) -> TIN | None:
    """A TIN (persons, FATCA organisations) or IN (CRS organisations, which add an INType)."""
    value = text(element)
    if value is None:
        return None
    return TIN(value, issued_by=attribute(element, "issuedBy"), in_type=attribute(element, "INType"))


def _birth(element: etree._Element) -> dict[str, Any]:
    """BirthInfo, as the Party's birth_* fields."""
    values: dict[str, Any] = {}
    for child in element:
        local = local_name(child)
        if local == "CountryInfo":
            values.update(leaf_fields(child, _BIRTH_COUNTRY))
        elif (field_name := _BIRTH.get(local)) is not None and field_name not in values:
            values[field_name] = text(child)
    written = values.get("birth_date")
    values["birth_date"] = parse_date(written)
    if written is not None and values["birth_date"] is None:
        values["birth_date_unreadable"] = True
    return values


@dataclass
class OrganisationParts:
    """What an organisation is made of (Name*, ResCountryCode*, IN* or TIN*, Address*), gathered from
    its children by `take`: an Organisation party, and a ReportingFI around its DocSpec."""

    names: list[Name] = field(default_factory=list)
    residences: list[str] = field(default_factory=list)
    ins: list[TIN] = field(default_factory=list)
    tins: list[TIN] = field(default_factory=list)
    addresses: list[Address] = field(default_factory=list)

    def take(self, local: str, child: etree._Element) -> bool:
        """Take the child if it is one of these parts; False for any other."""
        if local == "Name":
            self.names.append(organisation_name(child))
        elif local == "ResCountryCode":
            if (code := text(child)) is not None:
                self.residences.append(code)
        elif local == "IN" or local == "TIN":
            if (found := identifier(child)) is not None:
                (self.ins if local == "IN" else self.tins).append(found)
        elif local == "Address":
            self.addresses.append(address(child))
        else:
            return False
        return True

    def identifiers(self) -> tuple[TIN, ...]:
        """CRS organisations carry IN, FATCA ones TIN: a file has one or the other."""
        return tuple(self.ins or self.tins)

    def party(self, role: PartyRole, **extra: Unpack[_RoleFields]) -> Party:
        return Party(
            kind=PartyKind.ORGANISATION,
            role=role,
            names=tuple(self.names),
            res_country_codes=tuple(self.residences),
            tins=self.identifiers(),
            addresses=tuple(self.addresses),
            **extra,
        )


class _RoleFields(TypedDict, total=False):
    """What the party's role element adds around its Individual or Organisation."""

    acct_holder_type: str | None
    ctrlg_person_types: tuple[str, ...]
    self_cert: str | None
    equity_interest_types: tuple[str, ...]


# The role's fields are passed in rather than added with `dataclasses.replace` afterwards: a second
# Party per holder and per controlling person was a visible share of the extraction.


def individual(element: etree._Element, role: PartyRole, **extra: Unpack[_RoleFields]) -> Party:
    names: list[Name] = []
    residences: list[str] = []
    tins: list[TIN] = []
    addresses: list[Address] = []
    nationalities: list[str] = []
    birth: dict[str, Any] | None = None
    for child in element:
        local = local_name(child)
        if local == "Name":
            names.append(person_name(child))
        elif local == "ResCountryCode":
            if (code := text(child)) is not None:
                residences.append(code)
        elif local == "TIN":
            if (found := identifier(child)) is not None:
                tins.append(found)
        elif local == "Address":
            addresses.append(address(child))
        elif local == "Nationality":
            if (code := text(child)) is not None:
                nationalities.append(code)
        elif local == "BirthInfo" and birth is None:
            birth = _birth(child)
    return Party(
        kind=PartyKind.INDIVIDUAL,
        role=role,
        names=tuple(names),
        res_country_codes=tuple(residences),
        tins=tuple(tins),
        addresses=tuple(addresses),
        nationalities=tuple(nationalities),
        **(birth or {}),
        **extra,
    )


def organisation(element: etree._Element, role: PartyRole, **extra: Unpack[_RoleFields]) -> Party:
    parts = OrganisationParts()
    for child in element:
        parts.take(local_name(child), child)
    return parts.party(role, **extra)


def _empty(role: PartyRole, **extra: Unpack[_RoleFields]) -> Party:
    # A holder the schema finding already reports as missing: a party with nothing in it.
    return Party(kind=PartyKind.INDIVIDUAL, names=(), role=role, **extra)


def _role_party(element: etree._Element, role: PartyRole) -> Party:
    """An AccountHolder, ControllingPerson or SubstantialOwner: an Individual or an Organisation, with what
    the role adds around it (each format and role has its own subset of these fields; the schema decides
    which, and absent ones stay empty)."""
    person = entity = None
    holder_type = self_cert = None
    equity: list[str] = []
    ctrlg: list[str] = []
    for child in element:
        local = local_name(child)
        if local == "Individual":
            person = person if person is not None else child
        elif local == "Organisation":
            entity = entity if entity is not None else child
        elif local == "AcctHolderType" and holder_type is None:
            holder_type = text(child)
        elif local == "SelfCert" and self_cert is None:
            self_cert = text(child)
        elif local == "EquityInterestType" and (code := text(child)) is not None:
            equity.append(code)
        elif local == "CtrlgPersonType" and (code := text(child)) is not None:
            ctrlg.append(code)
    extra = _RoleFields(
        acct_holder_type=holder_type,
        self_cert=self_cert,
        equity_interest_types=tuple(equity),
        ctrlg_person_types=tuple(ctrlg),
    )
    if person is not None:
        return individual(person, role, **extra)
    if entity is not None:
        return organisation(entity, role, **extra)
    return _empty(role, **extra)


def account_holder(element: etree._Element | None) -> Party:
    """AccountHolder: an Individual, or an Organisation with its AcctHolderType; CRS v3 adds
    EquityInterestType* and SelfCert before them."""
    return _empty(PartyRole.HOLDER) if element is None else _role_party(element, PartyRole.HOLDER)


def controlling_person(element: etree._Element) -> Party:
    """CRS ControllingPerson: an Individual with CtrlgPersonType (several in v3.0) and, in v3.0, SelfCert."""
    return _role_party(element, PartyRole.CONTROLLING_PERSON)


def substantial_owner(element: etree._Element) -> Party:
    """FATCA SubstantialOwner: an Individual or an Organisation."""
    return _role_party(element, PartyRole.SUBSTANTIAL_OWNER)
