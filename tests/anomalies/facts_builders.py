"""Facts built in code, for testing a rule's thresholds without a database."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from exchange.anomalies.facts import (
    AccountFacts,
    Benefit,
    Cohort,
    HeldAccount,
    InstitutionFacts,
    InstitutionRef,
    MatchFacts,
    PartyFacts,
    PaymentFacts,
    TaxpayerRecord,
    TaxpayerYearFacts,
    TaxReturnFacts,
)
from exchange.records import PartyKind

YEAR = 2025
BANK = InstitutionRef("LU:LU12345678", "Banque Exemple S.A.")


def taxpayer(
    *,
    income: str = "40000",
    interest: str = "0",
    declared: tuple[tuple[str, str], ...] = (),
    benefits: tuple[Benefit, ...] = (),
    kind: PartyKind = PartyKind.INDIVIDUAL,
    filed: bool = True,
) -> TaxpayerRecord:
    foreign = {
        "dividends": Decimal(0),
        "interest": Decimal(interest),
        "gains": Decimal(0),
        "other": Decimal(0),
    }
    return TaxpayerRecord(
        1,
        kind,
        returns={YEAR: TaxReturnFacts(Decimal(income), foreign)} if filed else {},
        declared={YEAR: declared},
        benefits={YEAR: benefits},
    )


def holder(record: TaxpayerRecord | None = None, *, decision: str = "match") -> PartyFacts:
    match = MatchFacts(decision, "tin", record.id if record else None, 1.0)
    return PartyFacts(
        1, 0, "holder", record.kind if record else PartyKind.INDIVIDUAL, match=match, taxpayer=record
    )


def account(
    parties: tuple[PartyFacts, ...],
    *,
    balance: str = "1000.00",
    currency: str = "EUR",
    payments: tuple[tuple[str, str], ...] = (),
    closed: bool = False,
    institution: InstitutionRef | None = BANK,
    record_errors: tuple[int, ...] = (),
) -> AccountFacts:
    """An account report; with `record_errors`, one whose balance they dispute (None, as stored)."""
    return AccountFacts(
        chain_id=1,
        account_report_id=1,
        doc_ref_id="LU2025-1",
        file_id=1,
        sender="LU",
        period_end=date(YEAR, 12, 31),
        balance=None if record_errors else Decimal(balance),
        currency=currency,
        parties=parties,
        payments=tuple(PaymentFacts(kind, Decimal(amount), currency) for kind, amount in payments),
        closed=closed,
        institution=institution,
        record_errors=record_errors,
    )


def held(
    balance: str,
    *,
    payments: tuple[tuple[str, str], ...] = (),
    sender: str = "LU",
    currency: str = "EUR",
    record_errors: tuple[int, ...] = (),
) -> HeldAccount:
    return HeldAccount(
        1,
        1,
        sender,
        None if record_errors else Decimal(balance),
        currency,
        tuple(PaymentFacts(k, Decimal(a), currency) for k, a in payments),
        BANK,
        record_errors,
    )


def year_facts(
    record: TaxpayerRecord, *accounts: HeldAccount, cohort: Cohort | None = None
) -> TaxpayerYearFacts:
    return TaxpayerYearFacts(record, YEAR, accounts, cohort)


def institution(new: int, corrections: int = 0, deletions: int = 0) -> InstitutionFacts:
    return InstitutionFacts("LU", BANK.key, BANK.name, YEAR, new, corrections, deletions)
