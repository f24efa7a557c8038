"""Records built in code for the rule tests: a valid CRS file from Luxembourg to Belgium, and the small
changes that break one rule each."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal

from exchange.records import (
    TIN,
    AccountReport,
    Address,
    DocSpec,
    FIRole,
    MessageHeader,
    Name,
    Party,
    PartyKind,
    PartyRole,
    Payment,
    Record,
    ReportingFI,
)
from exchange.settings import Environment
from exchange.validation.rules import ReceiverProfile

SENDER = "LU"
HOME = "BE"
PERIOD = date(2025, 12, 31)
TODAY = date(2026, 6, 1)
RECEIVER = ReceiverProfile(HOME, Environment.PRODUCTION)
IBAN = "BE71096123456769"
ISIN = "US0378331005"


def header(
    indic: str | None = "CRS701",
    *,
    version: str = "2.0",
    format_name: str = "crs",
    message_ref_id: str | None = None,
    receiving: str = HOME,
    transmitting: str = SENDER,
    period: date = PERIOD,
    corr_message_ref_ids: tuple[str, ...] = (),
) -> MessageHeader:
    return MessageHeader(
        message_type=format_name.upper(),
        transmitting_country=transmitting,
        receiving_country=receiving,
        message_ref_id=message_ref_id or f"{transmitting}{period.year}{receiving}000001",
        reporting_period=period,
        timestamp=datetime(2026, 3, 1, 9, 30),
        message_type_indic=indic,
        corr_message_ref_ids=corr_message_ref_ids,
        format_name=format_name,
        format_version=version,
    )


def reporting_fi(
    doc_ref_id: str = "LU2025BE-FI1",
    indic: str = "OECD1",
    *,
    corr: str | None = None,
    role: FIRole = FIRole.REPORTING_FI,
    countries: tuple[str, ...] = (SENDER,),
    body: int = 0,
    group: int = 0,
    name_type: str | None = "OECD207",
) -> ReportingFI:
    return ReportingFI(
        doc_spec=DocSpec(indic, doc_ref_id, corr),
        names=(Name(full="Banque Exemple S.A.", name_type=name_type),),
        role=role,
        res_country_codes=countries,
        ins=(TIN("B000001", issued_by=SENDER),),
        addresses=(Address(SENDER, free="1 rue Exemple, Luxembourg"),),
        body_index=body,
        group_index=group,
        line=10,
    )


def person(
    role: PartyRole = PartyRole.HOLDER,
    *,
    countries: tuple[str, ...] = (HOME,),
    born: date | None = date(1980, 5, 17),
    name_type: str | None = "OECD202",
    ctrlg: tuple[str, ...] = (),
) -> Party:
    return Party(
        kind=PartyKind.INDIVIDUAL,
        names=(Name(first="Jan", last="Peeters", name_type=name_type),),
        role=role,
        res_country_codes=countries,
        tins=(TIN("85073003328", issued_by=HOME),),
        addresses=(Address(HOME, free="Wetstraat 16, Brussel"),),
        birth_date=born,
        ctrlg_person_types=ctrlg,
    )


def controlling_person(countries: tuple[str, ...] = (HOME,), born: date | None = date(1975, 1, 2)) -> Party:
    return person(PartyRole.CONTROLLING_PERSON, countries=countries, born=born, ctrlg=("CRS801",))


def organisation(holder_type: str = "CRS101", countries: tuple[str, ...] = (HOME,)) -> Party:
    return Party(
        kind=PartyKind.ORGANISATION,
        names=(Name(full="Exemple Holding SRL"),),
        res_country_codes=countries,
        tins=(TIN("0403019261", issued_by=HOME),),
        addresses=(Address(HOME, free="Kunstlaan 1, Brussel"),),
        acct_holder_type=holder_type,
    )


def account_report(
    doc_ref_id: str = "LU2025BE-AR1",
    indic: str = "OECD1",
    *,
    corr: str | None = None,
    holder: Party | None = None,
    controlling_persons: tuple[Party, ...] = (),
    number: str = IBAN,
    number_type: str | None = "OECD601",
    balance: str = "1500.00",
    closed: bool | None = None,
    payments: tuple[str, ...] = ("CRS502",),
    account_type: str | None = None,
    body: int = 0,
    group: int = 0,
    line: int = 20,
) -> AccountReport:
    return AccountReport(
        doc_spec=DocSpec(indic, doc_ref_id, corr),
        account_number=number,
        holder=holder or person(),
        balance=Decimal(balance),
        currency="EUR",
        account_number_type=number_type,
        closed=closed,
        controlling_persons=controlling_persons,
        payments=tuple(Payment(kind, Decimal("12.50"), "EUR") for kind in payments),
        dd_procedure=None if account_type is None else "CRS1201",
        account_type=account_type,
        body_index=body,
        group_index=group,
        line=line,
    )


def v3_report(
    account_type: str = "CRS1101",
    *,
    number_type: str = "OECD601",
    number: str = IBAN,
    payments: tuple[str, ...] = ("CRS502",),
    equity_interest_types: tuple[str, ...] = (),
) -> AccountReport:
    """A CRS v3.0 account report; by default a depository account (IBAN, CRS1101, interest only)."""
    report = account_report(
        number=number, number_type=number_type, payments=payments, account_type=account_type
    )
    holder = replace(report.holder, self_cert="CRS901", equity_interest_types=equity_interest_types)
    return replace(report, holder=holder)


def new_file(*reports: AccountReport, fi: ReportingFI | None = None) -> Iterator[Record]:
    yield fi or reporting_fi()
    yield from reports or (account_report(),)
