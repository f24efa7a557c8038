"""Write a CRS v2.0 document from records, streaming: what a sending authority produces.

Used by the demo's partner authorities, the benchmarks and the tests. The document goes to a file (or
bytes) element by element, so a file of a million account reports never exists in memory.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any, BinaryIO

from lxml import etree

from exchange.records import (
    AccountReport,
    Address,
    MessageHeader,
    Name,
    Party,
    PartyKind,
    ReportingFI,
)
from exchange.writers.message import Vocabulary, doc_spec, document
from exchange.writers.message import address as write_address
from exchange.writers.message import child as _child

CRS = "urn:oecd:ties:crs:v2"
CFC = "urn:oecd:ties:commontypesfatcacrs:v2"
STF = "urn:oecd:ties:crsstf:v5"
NSMAP = {"crs": CRS, "cfc": CFC, "stf": STF}
VOCABULARY = Vocabulary(
    namespace=CRS,
    stf=STF,
    nsmap=NSMAP,
    root="CRS_OECD",
    version="2.0",
    body="CrsBody",
    sending_in="SendingCompanyIN",
    default_message_type_indic="CRS701",
)


def _crs(name: str) -> str:
    return f"{{{CRS}}}{name}"


def _cfc(name: str) -> str:
    return f"{{{CFC}}}{name}"


def _stf(name: str) -> str:
    return f"{{{STF}}}{name}"


def _root(tag: str) -> etree._Element:
    """A top-level element of the stream, declaring the prefixes its descendants use."""
    return etree.Element(tag, nsmap=NSMAP)


def _amount(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.01'))}"


def _person_name(parent: etree._Element, name: Name) -> None:
    element = _child(parent, _crs("Name"), None, nameType=name.name_type)
    if name.preceding_title:
        _child(element, _crs("PrecedingTitle"), name.preceding_title)
    for title in name.titles:
        _child(element, _crs("Title"), title)
    _child(element, _crs("FirstName"), name.first or "NFN")  # NFN: "no first name", as the standard asks
    for middle in name.middle:
        _child(element, _crs("MiddleName"), middle)
    if name.name_prefix:
        _child(element, _crs("NamePrefix"), name.name_prefix)
    _child(element, _crs("LastName"), name.last or "")
    for generation in name.generation_identifiers:
        _child(element, _crs("GenerationIdentifier"), generation)
    for suffix in name.suffixes:
        _child(element, _crs("Suffix"), suffix)
    if name.general_suffix:
        _child(element, _crs("GeneralSuffix"), name.general_suffix)


def _individual(parent: etree._Element, tag: str, party: Party) -> etree._Element:
    element = _child(parent, _crs(tag), None)
    for country in party.res_country_codes:
        _child(element, _crs("ResCountryCode"), country)
    for tin in party.tins:
        _child(element, _crs("TIN"), tin.value, issuedBy=tin.issued_by)
    for name in party.names:
        _person_name(element, name)
    for address in party.addresses:
        write_address(element, address, CRS, CFC)
    for nationality in party.nationalities:
        _child(element, _crs("Nationality"), nationality)
    if party.birth_date or party.birth_city or party.birth_country_code:
        birth = _child(element, _crs("BirthInfo"), None)
        if party.birth_date:
            _child(birth, _crs("BirthDate"), party.birth_date.isoformat())
        if party.birth_city:
            _child(birth, _crs("City"), party.birth_city)
        if party.birth_country_code:
            info = _child(birth, _crs("CountryInfo"), None)
            _child(info, _crs("CountryCode"), party.birth_country_code)
    return element


def _organisation(
    element: etree._Element,
    countries: Iterable[str],
    ins: Iterable[Any],
    names: Iterable[Name],
    addresses: Iterable[Address],
) -> etree._Element:
    for country in countries:
        _child(element, _crs("ResCountryCode"), country)
    for identifier in ins:
        _child(
            element, _crs("IN"), identifier.value, issuedBy=identifier.issued_by, INType=identifier.in_type
        )
    for name in names:
        _child(element, _crs("Name"), name.full or "", nameType=name.name_type)
    for address in addresses:
        write_address(element, address, CRS, CFC)
    return element


def reporting_fi_element(fi: ReportingFI, tag: str = "ReportingFI") -> etree._Element:
    element = _organisation(_root(_crs(tag)), fi.res_country_codes, fi.ins, fi.names, fi.addresses)
    doc_spec(element, fi.doc_spec, VOCABULARY)
    return element


def account_report_element(report: AccountReport) -> etree._Element:
    element = _root(_crs("AccountReport"))
    doc_spec(element, report.doc_spec, VOCABULARY)
    flags = {
        "UndocumentedAccount": report.undocumented,
        "ClosedAccount": report.closed,
        "DormantAccount": report.dormant,
    }
    _child(
        element,
        _crs("AccountNumber"),
        report.account_number,
        AcctNumberType=report.account_number_type,
        **{name: str(value).lower() for name, value in flags.items() if value is not None},
    )
    holder = _child(element, _crs("AccountHolder"), None)
    party = report.holder
    if party.kind is PartyKind.INDIVIDUAL:
        _individual(holder, "Individual", party)
    else:
        organisation = _child(holder, _crs("Organisation"), None)
        _organisation(organisation, party.res_country_codes, party.tins, party.names, party.addresses)
        _child(holder, _crs("AcctHolderType"), party.acct_holder_type or "CRS101")
    for person in report.controlling_persons:
        controlling = _child(element, _crs("ControllingPerson"), None)
        _individual(controlling, "Individual", person)
        for person_type in person.ctrlg_person_types[:1]:
            _child(controlling, _crs("CtrlgPersonType"), person_type)
    _child(element, _crs("AccountBalance"), _amount(report.balance), currCode=report.currency)
    for payment in report.payments:
        entry = _child(element, _crs("Payment"), None)
        _child(entry, _crs("Type"), payment.type)
        _child(entry, _crs("PaymentAmnt"), _amount(payment.amount), currCode=payment.currency)
    return element


def write_crs(
    target: Path | BinaryIO, header: MessageHeader, fi: ReportingFI, reports: Iterable[AccountReport]
) -> None:
    """One CrsBody with one ReportingGroup, the reports streamed into it."""
    with document(target, header, VOCABULARY) as xml:
        xml.write(reporting_fi_element(fi))
        with xml.element(_crs("ReportingGroup")):
            for report in reports:
                xml.write(account_report_element(report))


def crs_bytes(header: MessageHeader, fi: ReportingFI, reports: Iterable[AccountReport]) -> bytes:
    buffer = io.BytesIO()
    write_crs(buffer, header, fi, reports)
    return buffer.getvalue()
