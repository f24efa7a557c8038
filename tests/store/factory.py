"""Records built in code for the store's tests: a sender's files of new, corrected and deleted reports."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime
from decimal import Decimal

from exchange.records import (
    TIN,
    AccountReport,
    Address,
    AddressFix,
    DocSpec,
    MessageHeader,
    Name,
    Party,
    PartyKind,
    PartyRole,
    Payment,
    ReportingFI,
)
from exchange.store import PacketInfo

SENDER = "NL"
RECEIVER = "BE"


def packet(name: str, sender: str = SENDER) -> PacketInfo:
    """A packet whose bytes are stood in for by its name: the same name is the same packet."""
    return PacketInfo(
        sha256=hashlib.sha256(name.encode()).hexdigest(),
        profile="CTS",
        sender=sender,
        receiver=RECEIVER,
        communication_type="CRS",
        size=1000 + len(name),
    )


def header(message_ref_id: str, indic: str = "CRS701", sender: str = SENDER) -> MessageHeader:
    return MessageHeader(
        message_type="CRS",
        transmitting_country=sender,
        receiving_country=RECEIVER,
        message_ref_id=message_ref_id,
        reporting_period=date(2025, 12, 31),
        timestamp=datetime(2026, 3, 1, 9, 30, tzinfo=UTC),
        message_type_indic=indic,
    )


def reporting_fi(
    doc_ref_id: str, indic: str = "OECD1", corr: str | None = None, body: int = 0
) -> ReportingFI:
    return ReportingFI(
        doc_spec=DocSpec(indic, doc_ref_id, corr),
        names=(Name(full="Voorbeeld Bank N.V.", name_type="OECD207"),),
        res_country_codes=("NL",),
        ins=(TIN("NL000099998B57", issued_by="NL", in_type="RSIN"),),
        addresses=(Address("NL", free="Voorbeeldstraat 1, Amsterdam"),),
        body_index=body,
    )


def person(tin: str, last: str = "Peeters", role: PartyRole = PartyRole.HOLDER) -> Party:
    return Party(
        kind=PartyKind.INDIVIDUAL,
        role=role,
        names=(Name(first="Jan", middle=("Karel",), last=last, titles=("Dr.",), name_type="OECD202"),),
        res_country_codes=("BE",),
        tins=(TIN(tin, issued_by="BE"),),
        addresses=(
            Address(
                "BE",
                fix=AddressFix(
                    city="Brussel", street="Wetstraat", building_identifier="16", post_code="1000"
                ),
                free="Wetstraat 16, 1000 Brussel",
                legal_address_type="OECD301",
            ),
        ),
        nationalities=("BE",),
        birth_date=date(1980, 5, 17),
        birth_city="Gent",
        birth_country_code="BE",
    )


def organisation(in_value: str) -> Party:
    return Party(
        kind=PartyKind.ORGANISATION,
        names=(Name(full="Voorbeeld Holding BV"),),
        res_country_codes=("BE",),
        tins=(TIN(in_value, issued_by="BE"),),
        addresses=(Address("BE", free="Kunstlaan 1, Brussel"),),
        acct_holder_type="CRS101",
    )


def account_report(
    doc_ref_id: str,
    indic: str = "OECD1",
    corr: str | None = None,
    balance: str = "1500.00",
    tin: str = "85073003328",
    body: int = 0,
) -> AccountReport:
    return AccountReport(
        doc_spec=DocSpec(indic, doc_ref_id, corr),
        account_number=f"NL91ABNA04171643{doc_ref_id[-2:]}",
        account_number_type="OECD601",
        holder=person(tin),
        balance=Decimal(balance),
        currency="EUR",
        payments=(Payment("CRS502", Decimal("12.50"), "EUR"), Payment("CRS501", Decimal("0.01"), "EUR")),
        body_index=body,
    )


def entity_report(doc_ref_id: str, in_value: str, controlling_tin: str) -> AccountReport:
    return AccountReport(
        doc_spec=DocSpec("OECD1", doc_ref_id),
        account_number=f"POL-{doc_ref_id}",
        account_number_type="OECD605",
        holder=organisation(in_value),
        controlling_persons=(
            Party(
                kind=PartyKind.INDIVIDUAL,
                role=PartyRole.CONTROLLING_PERSON,
                names=(Name(first="Anna", last="Janssens"),),
                res_country_codes=("BE", "NL"),
                tins=(TIN(controlling_tin, issued_by="BE"),),
                addresses=(Address("BE", free="Kerkstraat 2, Antwerpen"),),
                ctrlg_person_types=("CRS801",),
            ),
        ),
        balance=Decimal("25000.00"),
        currency="EUR",
    )


def many_reports(count: int, prefix: str = "NL2025BE-AR", start: int = 0) -> Iterator[AccountReport]:
    """A stream of distinct new reports, generated on demand (never a list)."""
    for number in range(start, start + count):
        yield account_report(
            f"{prefix}{number:08d}", balance=f"{number}.{number % 100:02d}", tin=f"{number:011d}"
        )


def new_file(fi_ref: str, reports: Iterable[AccountReport]) -> Iterator[ReportingFI | AccountReport]:
    yield reporting_fi(fi_ref)
    yield from reports
