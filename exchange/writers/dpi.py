"""Write a DPI v1.0 (DAC7) document from records, streaming: what a sending authority produces.

Used by the tests (and, in part 2, the demo). One DPIBody: the platform operator (a `ReportingFI`), its
other operators, then the sellers streamed in one by one.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

from lxml import etree

from exchange.records import (
    TIN,
    ActivityFigures,
    Address,
    FinancialIdentifier,
    MessageHeader,
    Name,
    OtherPlatformOperator,
    Party,
    PartyKind,
    QuarterAmounts,
    ReportableSeller,
    ReportingFI,
)
from exchange.writers.message import Vocabulary, doc_spec, document
from exchange.writers.message import address as write_address

DPI = "urn:oecd:ties:dpi:v1"
STF = "urn:oecd:ties:dpistf:v1"
NSMAP = {"dpi": DPI, "stf": STF}
VOCABULARY = Vocabulary(
    namespace=DPI,
    stf=STF,
    nsmap=NSMAP,
    root="DPI_OECD",
    version="1.0",
    body="DPIBody",
    sending_in="SendingEntityIN",
    default_message_type_indic="DPI401",
    message_type="DPI",
    names_corrected_messages=False,
)
_ACTIVITY_ELEMENTS = {
    "personal_services": "PersonalServices",
    "sale_of_goods": "SaleOfGoods",
    "transportation_rental": "TransportationRental",
}


_dpi = VOCABULARY.tag
_child = VOCABULARY.child


def _tin(parent: etree._Element, tin: TIN, name: str = "TIN") -> None:
    unknown = None if tin.unknown is None else str(tin.unknown).lower()
    if name == "IN":
        _child(parent, "IN", tin.value, issuedBy=tin.issued_by, INType=tin.in_type)
    else:
        _child(parent, "TIN", tin.value, issuedBy=tin.issued_by, unknown=unknown)


def _entity(
    element: etree._Element,
    countries: Iterable[str],
    identifiers: Iterable[TIN],
    names: Iterable[Name],
    addresses: Iterable[Address],
    *,
    vat: str | None = None,
    business_names: Iterable[str] = (),
    nexus: str | None = None,
    assumed_reporting: bool | None = None,
) -> etree._Element:
    """A DPI OrganisationParty: TINs (identifiers without an INType) before INs, as the schema orders them."""
    for country in countries:
        _child(element, "ResCountryCode", country)
    listed = list(identifiers)
    for tin in [found for found in listed if found.in_type is None] or [TIN("", unknown=True)]:
        _tin(element, tin)
    for found in listed:
        if found.in_type is not None:
            _tin(element, found, "IN")
    if vat:
        _child(element, "VAT", vat)
    for name in names:
        _child(element, "Name", name.full or "")
    for business_name in business_names:
        _child(element, "PlatformBusinessName", business_name)
    for address in addresses:
        write_address(element, address, DPI, DPI)
    if nexus:
        _child(element, "Nexus", nexus)
    if assumed_reporting is not None:
        _child(element, "AssumedReporting", str(assumed_reporting).lower())
    return element


def platform_operator_element(operator: ReportingFI) -> etree._Element:
    element = etree.Element(_dpi("PlatformOperator"), nsmap=NSMAP)
    _entity(
        element,
        operator.res_country_codes,
        operator.ins,
        operator.names,
        operator.addresses,
        vat=operator.vat,
        business_names=operator.platform_business_names,
        nexus=operator.nexus,
        assumed_reporting=operator.assumed_reporting,
    )
    doc_spec(element, operator.doc_spec, VOCABULARY)
    return element


def _other_operator(parent: etree._Element, operator: OtherPlatformOperator) -> None:
    tag = "AssumingPlatformOperator" if operator.role.value == "assuming" else "AssumedPlatformOperator"
    element = _child(parent, tag, None)
    for country in operator.res_country_codes:
        _child(element, "ResCountryCode", country)
    for tin in operator.tins or (TIN("", unknown=True),):
        _tin(element, tin)
    _child(element, "Name", operator.name or "")
    write_address(element, operator.address or Address(country_code="XX", free="unknown"), DPI, DPI)
    doc_spec(element, operator.doc_spec, VOCABULARY)


def _person_name(parent: etree._Element, name: Name) -> None:
    element = _child(parent, "Name", None, nameType=name.name_type)
    _child(element, "FirstName", name.first or "NFN")
    for middle in name.middle:
        _child(element, "MiddleName", middle)
    _child(element, "LastName", name.last or "")


def _individual(parent: etree._Element, party: Party, vat: str | None) -> None:
    element = _child(parent, "IndSellerID", None)
    for country in party.res_country_codes:
        _child(element, "ResCountryCode", country)
    for tin in party.tins or (TIN("", unknown=True),):
        _tin(element, tin)
    if vat:
        _child(element, "VAT", vat)
    for name in party.names:
        _person_name(element, name)
    for address in party.addresses:
        write_address(element, address, DPI, DPI)
    for nationality in party.nationalities:
        _child(element, "Nationality", nationality)
    birth = _child(element, "BirthInfo", None)
    _child(birth, "BirthDate", party.birth_date.isoformat() if party.birth_date else "1900-01-01")
    if party.birth_city:
        place = _child(birth, "BirthPlace", None)
        _child(place, "City", party.birth_city)
        info = _child(place, "CountryInfo", None)
        _child(info, "CountryCode", party.birth_country_code or "XX")


def _financial_identifier(parent: etree._Element, found: FinancialIdentifier) -> None:
    element = _child(parent, "FinancialIdentifier", None)
    _child(element, "Identifier", found.identifier, AccountNumberType=found.account_number_type)
    if found.account_holder_name:
        _child(element, "AccountHolderName", found.account_holder_name)
    if found.other_info:
        _child(element, "OtherInfo", found.other_info)


def _quarters(parent: etree._Element, name: str, prefix: str, amounts: QuarterAmounts) -> None:
    element = _child(parent, name, None)
    for quarter, (value, currency) in enumerate(zip(amounts.amounts, amounts.currencies, strict=True), 1):
        _child(element, f"{prefix}{quarter}", str(int(value)), currCode=currency or "EUR")


def _figures(parent: etree._Element, figures: ActivityFigures) -> None:
    _quarters(parent, "Consideration", "ConsQ", figures.consideration)
    counts = _child(parent, "NumberOfActivities", None)
    for quarter, count in enumerate(figures.counts, 1):
        _child(counts, f"NumbQ{quarter}", str(count))
    _quarters(parent, "Fees", "FeesQ", figures.fees)
    _quarters(parent, "Taxes", "TaxQ", figures.taxes)


def reportable_seller_element(seller: ReportableSeller) -> etree._Element:
    element = etree.Element(_dpi("ReportableSeller"), nsmap=NSMAP)
    identity = _child(element, "Identity", None)
    kind = _child(
        identity, "EntitySeller" if seller.kind is PartyKind.ORGANISATION else "IndividualSeller", None
    )
    gvs = seller.verification
    if gvs is not None:
        form = _child(kind, "GVS", None)
        _child(form, "NameGVS", gvs.name)
        _child(form, "JurisdictionGVS", gvs.jurisdiction)
        _child(form, "ReferenceGVS", gvs.reference)
        if gvs.other_tin:
            _child(form, "OtherTINGVS", gvs.other_tin)
        if gvs.financial_identifier is not None:
            _financial_identifier(form, gvs.financial_identifier)
    else:
        form = _child(kind, "Standard", None)
        party = seller.identity or Party(kind=seller.kind, names=())
        if seller.kind is PartyKind.ORGANISATION:
            _entity(
                _child(form, "EntSellerID", None),
                party.res_country_codes,
                party.tins,
                party.names,
                party.addresses,
                vat=seller.vat,
                business_names=seller.platform_business_names,
                nexus=seller.nexus,
            )
        else:
            _individual(form, party, seller.vat)
        for found in seller.financial_identifiers:
            _financial_identifier(form, found)
        if seller.kind is PartyKind.ORGANISATION and seller.permanent_establishments:
            establishments = _child(form, "PermanentEstablishments", None)
            for country in seller.permanent_establishments:
                _child(establishments, "PermanentEstablishment", country)
    activities = _child(element, "RelevantActivities", None)
    if seller.listings:
        immovable = _child(activities, "ImmovableProperty", None)
        for listing in seller.listings:
            entry = _child(immovable, "PropertyListing", None)
            write_address(entry, listing.address, DPI, DPI)
            if listing.land_registration_number:
                _child(entry, "LandRegistrationNumber", listing.land_registration_number)
            _figures(entry, listing.figures)
            if listing.property_type:
                _child(entry, "PropertyType", listing.property_type)
            if listing.other_property_type:
                _child(entry, "OtherPropertyType", listing.other_property_type)
            if listing.rented_days is not None:
                _child(entry, "RentedDays", str(listing.rented_days))
    for figures in seller.activities:
        _figures(_child(activities, _ACTIVITY_ELEMENTS[figures.activity.value], None), figures)
    doc_spec(element, seller.doc_spec, VOCABULARY)
    return element


def write_dpi(
    target: Path | BinaryIO,
    header: MessageHeader,
    operator: ReportingFI,
    sellers: Iterable[ReportableSeller],
    others: Iterable[OtherPlatformOperator] = (),
) -> None:
    """One DPIBody: the operator, its other operators (all assuming or all assumed), the sellers."""
    with document(target, header, VOCABULARY) as xml:
        xml.write(platform_operator_element(operator))
        listed = list(others)
        if listed:
            wrapper = etree.Element(_dpi("OtherPlatformOperators"), nsmap=NSMAP)
            for other in listed:
                _other_operator(wrapper, other)
            xml.write(wrapper)
        for seller in sellers:
            xml.write(reportable_seller_element(seller))


def dpi_bytes(
    header: MessageHeader,
    operator: ReportingFI,
    sellers: Iterable[ReportableSeller],
    others: Iterable[OtherPlatformOperator] = (),
) -> bytes:
    buffer = io.BytesIO()
    write_dpi(buffer, header, operator, sellers, others)
    return buffer.getvalue()
