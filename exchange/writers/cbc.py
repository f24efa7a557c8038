"""Write a CbC v2.0 (DAC4) document from records, streaming: what a sending authority produces.

Used by the tests (and, in part 2, the demo). One CbcBody: the reporting entity (a `ReportingFI`), then
the jurisdiction reports and the additional information streamed in.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import BinaryIO

from lxml import etree

from exchange.records import (
    TIN,
    Address,
    CbcAdditionalInfo,
    CbcReport,
    MessageHeader,
    Name,
    ReportingFI,
)
from exchange.writers.message import Vocabulary, doc_spec, document
from exchange.writers.message import address as write_address

CBC = "urn:oecd:ties:cbc:v2"
STF = "urn:oecd:ties:cbcstf:v5"
NSMAP = {"cbc": CBC, "stf": STF}
VOCABULARY = Vocabulary(
    namespace=CBC,
    stf=STF,
    nsmap=NSMAP,
    root="CBC_OECD",
    version="2.0",
    body="CbcBody",
    sending_in="SendingEntityIN",
    default_message_type_indic="CBC401",
    message_type="CBC",
    many_receivers=True,
)


_child = VOCABULARY.child


def _organisation(
    element: etree._Element,
    countries: Iterable[str],
    identifiers: Iterable[TIN],
    names: Iterable[Name],
    addresses: Iterable[Address],
) -> None:
    """A CbC OrganisationParty: one TIN (NOTIN when there is none, as the standard asks), then the INs."""
    for country in countries:
        _child(element, "ResCountryCode", country)
    listed = list(identifiers)
    tin = next((found for found in listed if found.in_type is None), TIN("NOTIN"))
    _child(element, "TIN", tin.value, issuedBy=tin.issued_by)
    for found in listed:
        if found.in_type is not None:
            in_type = None if found.in_type == "IN" else found.in_type
            _child(element, "IN", found.value, issuedBy=found.issued_by, INType=in_type)
    for name in names:
        _child(element, "Name", name.full or "")
    for address in addresses:
        write_address(element, address, CBC, CBC)


def reporting_entity_element(entity: ReportingFI) -> etree._Element:
    element = etree.Element(VOCABULARY.tag("ReportingEntity"), nsmap=NSMAP)
    _organisation(
        _child(element, "Entity", None), entity.res_country_codes, entity.ins, entity.names, entity.addresses
    )
    if entity.mne_group_name:
        _child(element, "NameMNEGroup", entity.mne_group_name)
    _child(element, "ReportingRole", entity.reporting_role or "CBC701")
    period = _child(element, "ReportingPeriod", None)
    _child(period, "StartDate", entity.period_start.isoformat() if entity.period_start else "2025-01-01")
    _child(period, "EndDate", entity.period_end.isoformat() if entity.period_end else "2025-12-31")
    doc_spec(element, entity.doc_spec, VOCABULARY)
    return element


def _amount(parent: etree._Element, name: str, value: Decimal, currency: str) -> None:
    _child(parent, name, str(int(value)), currCode=currency or "EUR")


def cbc_report_element(report: CbcReport) -> etree._Element:
    element = etree.Element(VOCABULARY.tag("CbcReports"), nsmap=NSMAP)
    doc_spec(element, report.doc_spec, VOCABULARY)
    _child(element, "ResCountryCode", report.res_country_code)
    summary, currencies = report.summary, report.summary.currencies
    block = _child(element, "Summary", None)
    revenues = _child(block, "Revenues", None)
    _amount(revenues, "Unrelated", summary.revenues_unrelated, currencies[0])
    _amount(revenues, "Related", summary.revenues_related, currencies[1])
    _amount(revenues, "Total", summary.revenues_total, currencies[2])
    for index, (name, value) in enumerate(
        (
            ("ProfitOrLoss", summary.profit_or_loss),
            ("TaxPaid", summary.tax_paid),
            ("TaxAccrued", summary.tax_accrued),
            ("Capital", summary.capital),
            ("Earnings", summary.earnings),
        ),
        start=3,
    ):
        _amount(block, name, value, currencies[index])
    _child(block, "NbEmployees", str(summary.employees))
    _amount(block, "Assets", summary.assets, currencies[8])
    for entity in report.entities:
        holder = _child(element, "ConstEntities", None)
        party = entity.party
        _organisation(
            _child(holder, "ConstEntity", None),
            party.res_country_codes,
            party.tins,
            party.names,
            party.addresses,
        )
        if entity.role:
            _child(holder, "Role", entity.role)
        if entity.incorp_country_code:
            _child(holder, "IncorpCountryCode", entity.incorp_country_code)
        for activity in entity.biz_activities or ("CBC513",):
            _child(holder, "BizActivities", activity)
        if entity.other_entity_info:
            _child(holder, "OtherEntityInfo", entity.other_entity_info)
    return element


def additional_info_element(info: CbcAdditionalInfo) -> etree._Element:
    element = etree.Element(VOCABULARY.tag("AdditionalInfo"), nsmap=NSMAP)
    doc_spec(element, info.doc_spec, VOCABULARY)
    for text in info.other_info or ("-",):
        _child(element, "OtherInfo", text)
    for country in info.res_country_codes:
        _child(element, "ResCountryCode", country)
    for ref in info.summary_refs:
        _child(element, "SummaryRef", ref)
    return element


def write_cbc(
    target: Path | BinaryIO,
    header: MessageHeader,
    entity: ReportingFI,
    reports: Iterable[CbcReport],
    infos: Iterable[CbcAdditionalInfo] = (),
) -> None:
    """One CbcBody: the reporting entity, its jurisdiction reports, its additional information."""
    with document(target, header, VOCABULARY) as xml:
        xml.write(reporting_entity_element(entity))
        for report in reports:
            xml.write(cbc_report_element(report))
        for info in infos:
            xml.write(additional_info_element(info))


def cbc_bytes(
    header: MessageHeader,
    entity: ReportingFI,
    reports: Iterable[CbcReport],
    infos: Iterable[CbcAdditionalInfo] = (),
) -> bytes:
    buffer = io.BytesIO()
    write_cbc(buffer, header, entity, reports, infos)
    return buffer.getvalue()
