"""DPI v1.0 documents for the tests, written with exchange.writers.dpi: a platform operator in NL
reporting to Belgium on an individual seller who lets a flat and drives, and an entity seller."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from exchange.records import (
    TIN,
    Activity,
    ActivityFigures,
    Address,
    AddressFix,
    DocSpec,
    FinancialIdentifier,
    MessageHeader,
    Name,
    Party,
    PartyKind,
    PartyRole,
    PropertyListing,
    QuarterAmounts,
    ReportableSeller,
    ReportingFI,
)
from exchange.writers.dpi import dpi_bytes


def quarters(*amounts: int, currency: str = "EUR") -> QuarterAmounts:
    return QuarterAmounts(tuple(Decimal(value) for value in amounts), (currency,) * 4)


def figures(
    activity: Activity, paid: tuple[int, int, int, int], counts: tuple[int, ...] = (1, 1, 1, 1)
) -> ActivityFigures:
    return ActivityFigures(
        activity=activity,
        consideration=quarters(*paid),
        fees=quarters(*(value // 10 for value in paid)),
        taxes=quarters(0, 0, 0, 0),
        counts=counts,
    )


def header(
    message_ref_id: str = "NL2025BE-DPI-0001", indic: str = "DPI401", sender: str = "NL"
) -> MessageHeader:
    return MessageHeader(
        message_type="DPI",
        transmitting_country=sender,
        receiving_country="BE",
        message_ref_id=message_ref_id,
        reporting_period=date(2025, 12, 31),
        timestamp=datetime(2026, 1, 20, 9, 30),
        message_type_indic=indic,
        format_name="dpi",
        format_version="1.0",
    )


def operator(
    doc_ref_id: str = "NL2025-PO-1", doc_type: str = "OECD1", corr: str | None = None
) -> ReportingFI:
    return ReportingFI(
        doc_spec=DocSpec(doc_type, doc_ref_id, corr),
        names=(Name(full="Huurplatform B.V."),),
        res_country_codes=("NL",),
        ins=(TIN("NL123456789B01", issued_by="NL"), TIN("12345678", issued_by="NL", in_type="BRN")),
        addresses=(Address(country_code="NL", fix=AddressFix(city="Amsterdam", street="Damrak 1")),),
        vat="NL123456789B01",
        platform_business_names=("Huurplatform",),
        nexus="RPONEX1",
        assumed_reporting=False,
        element="PlatformOperator",
    )


def individual_seller(
    doc_ref_id: str = "NL2025-RS-1", doc_type: str = "OECD1", corr: str | None = None, rent: int = 12000
) -> ReportableSeller:
    person = Party(
        kind=PartyKind.INDIVIDUAL,
        role=PartyRole.SELLER,
        names=(Name(first="Jan", last="Peeters"),),
        res_country_codes=("BE",),
        tins=(TIN("85073003328", issued_by="BE"),),
        addresses=(
            Address(country_code="BE", fix=AddressFix(city="Gent", street="Veldstraat 2", post_code="9000")),
        ),
        birth_date=date(1985, 7, 30),
        birth_city="Gent",
        birth_country_code="BE",
    )
    listing = PropertyListing(
        address=Address(country_code="NL", fix=AddressFix(city="Amsterdam", street="Prinsengracht 9")),
        figures=figures(Activity.IMMOVABLE_PROPERTY, (rent // 4,) * 4, (3, 4, 5, 2)),
        land_registration_number="ASD01-K-1234",
        property_type="DPI903",
        rented_days=61,
    )
    return ReportableSeller(
        doc_spec=DocSpec(doc_type, doc_ref_id, corr),
        kind=PartyKind.INDIVIDUAL,
        identity=person,
        financial_identifiers=(FinancialIdentifier("BE71096123456769", account_number_type="IBAN"),),
        listings=(listing,),
        activities=(figures(Activity.TRANSPORTATION_RENTAL, (500, 0, 750, 0)),),
    )


def entity_seller(doc_ref_id: str = "NL2025-RS-2") -> ReportableSeller:
    company = Party(
        kind=PartyKind.ORGANISATION,
        role=PartyRole.SELLER,
        names=(Name(full="Schoonmaak BV"),),
        res_country_codes=("BE",),
        tins=(TIN("0403019261", issued_by="BE"), TIN("0403019261", issued_by="BE", in_type="BRN")),
        addresses=(Address(country_code="BE", free="Rue Haute 5, 1000 Bruxelles"),),
    )
    return ReportableSeller(
        doc_spec=DocSpec("OECD1", doc_ref_id),
        kind=PartyKind.ORGANISATION,
        identity=company,
        vat="BE0403019261",
        permanent_establishments=("NL",),
        activities=(figures(Activity.PERSONAL_SERVICES, (1000, 2000, 3000, 4000)),),
    )


def dpi_document(
    *sellers: ReportableSeller, head: MessageHeader | None = None, platform: ReportingFI | None = None
) -> bytes:
    chosen = sellers if sellers else (individual_seller(), entity_seller())
    return dpi_bytes(head or header(), platform or operator(), chosen)
