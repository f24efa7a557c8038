"""CbC v2.0 documents for the tests, written with exchange.writers.cbc: a Luxembourg-parented group
reporting to Belgium (among others) on its entities in LU and BE."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from exchange.records import (
    TIN,
    Address,
    AddressFix,
    CbcAdditionalInfo,
    CbcReport,
    CbcSummary,
    ConstituentEntity,
    DocSpec,
    MessageHeader,
    Name,
    Party,
    PartyKind,
    ReportingFI,
)
from exchange.writers.cbc import cbc_bytes


def header(message_ref_id: str = "LU2025BE-CBC-0001", indic: str = "CBC401") -> MessageHeader:
    return MessageHeader(
        message_type="CBC",
        transmitting_country="LU",
        receiving_country="BE",
        receiving_countries=("BE", "NL"),
        message_ref_id=message_ref_id,
        reporting_period=date(2025, 12, 31),
        timestamp=datetime(2026, 6, 30, 8, 0),
        message_type_indic=indic,
        format_name="cbc",
        format_version="2.0",
    )


def entity(doc_ref_id: str = "LU2025-RE-1", doc_type: str = "OECD1", corr: str | None = None) -> ReportingFI:
    return ReportingFI(
        doc_spec=DocSpec(doc_type, doc_ref_id, corr),
        names=(Name(full="Groupe Lux Holding S.A."),),
        res_country_codes=("LU",),
        ins=(TIN("LU12345678", issued_by="LU"),),
        addresses=(Address(country_code="LU", fix=AddressFix(city="Luxembourg", street="Rue du Fort 1")),),
        mne_group_name="Groupe Lux",
        reporting_role="CBC701",
        period_start=date(2025, 1, 1),
        period_end=date(2025, 12, 31),
        element="ReportingEntity",
    )


def summary(profit: int = 1_000_000, employees: int = 40, currency: str = "EUR") -> CbcSummary:
    return CbcSummary(
        revenues_unrelated=Decimal(8_000_000),
        revenues_related=Decimal(2_000_000),
        revenues_total=Decimal(10_000_000),
        profit_or_loss=Decimal(profit),
        tax_paid=Decimal(200_000),
        tax_accrued=Decimal(250_000),
        capital=Decimal(5_000_000),
        earnings=Decimal(3_000_000),
        assets=Decimal(4_000_000),
        employees=employees,
        currencies=(currency,) * 9,
    )


def constituent(name: str, country: str, tin: str, *activities: str) -> ConstituentEntity:
    return ConstituentEntity(
        party=Party(
            kind=PartyKind.ORGANISATION,
            names=(Name(full=name),),
            res_country_codes=(country,),
            tins=(TIN(tin, issued_by=country),),
            addresses=(Address(country_code=country, free=f"{name}, {country}"),),
        ),
        biz_activities=activities or ("CBC513",),
        incorp_country_code=country,
    )


def report(
    country: str = "BE", doc_ref_id: str = "LU2025-CR-BE", doc_type: str = "OECD1", corr: str | None = None
) -> CbcReport:
    entities = {
        "BE": (constituent("Lux Belgium NV", "BE", "0403019261", "CBC501", "CBC504"),),
        "LU": (constituent("Groupe Lux Holding S.A.", "LU", "LU12345678", "CBC511"),),
    }
    return CbcReport(
        doc_spec=DocSpec(doc_type, doc_ref_id, corr),
        res_country_code=country,
        summary=summary(),
        entities=entities.get(country, (constituent("Other", country, "X1"),)),
    )


def info(doc_ref_id: str = "LU2025-AI-1") -> CbcAdditionalInfo:
    return CbcAdditionalInfo(
        doc_spec=DocSpec("OECD1", doc_ref_id),
        other_info=("Figures from the consolidated accounts.",),
        res_country_codes=("BE",),
        summary_refs=("CBC604",),
    )


def cbc_document(
    *reports: CbcReport, head: MessageHeader | None = None, reporting: ReportingFI | None = None
) -> bytes:
    chosen = reports if reports else (report("BE"), report("LU", "LU2025-CR-LU"))
    return cbc_bytes(head or header(), reporting or entity(), chosen, [info()] if not reports else [])
