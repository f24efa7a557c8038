"""CRS v3.0 record rules (60017-60023): how the amended CRS's AccountType agrees with the account
number's kind, the holder's equity interests and the payments. They apply to v3.0 files only: a v2.0
file has no AccountType."""

from __future__ import annotations

from collections.abc import Iterator

from exchange.records import AccountReport
from exchange.validation.rules.context import RuleContext, field_path
from exchange.validation.rules.declarations import (
    CRS_V3_ONLY,
    STATUS_GUIDE_V3,
    About,
    Problem,
    problem,
    record_rule,
)

DEPOSITORY = "CRS1101"
CASH_VALUE_INSURANCE = "CRS1103"
DEBT_OR_EQUITY_INTEREST = "CRS1104"
_PROCEEDS_OR_OTHER = frozenset({"CRS503", "CRS504"})


def _about(code: int, name: str, rule: str) -> About:
    return About(code, name, rule, CRS_V3_ONLY, reference=STATUS_GUIDE_V3)


def _account_type(report: AccountReport) -> str:
    return field_path(report, "AccountType")


def _payment_types(report: AccountReport) -> str:
    return field_path(report, "Payment", "Type")


@record_rule(
    _about(60017, "e-money-is-depository", "If AcctNumberType is OECD606, AccountType must be CRS1101."),
    on=AccountReport,
)
def e_money_is_depository(report: AccountReport, ctx: RuleContext) -> Iterator[Problem]:
    if report.account_number_type == "OECD606" and report.account_type != DEPOSITORY:
        yield problem(
            "an e-money account (OECD606) must have AccountType CRS1101",
            _account_type(report),
            field_path(report, "AccountNumber", "@AcctNumberType"),
        )


@record_rule(
    _about(60018, "iban-is-depository", "If AcctNumberType is OECD601, AccountType must be CRS1101."),
    on=AccountReport,
)
def iban_is_depository(report: AccountReport, ctx: RuleContext) -> Iterator[Problem]:
    if report.account_number_type == "OECD601" and report.account_type != DEPOSITORY:
        yield problem(
            "an IBAN account (OECD601) must have AccountType CRS1101",
            _account_type(report),
            field_path(report, "AccountNumber", "@AcctNumberType"),
        )


@record_rule(
    _about(
        60019,
        "equity-interest-account-type",
        "If the account holder has an EquityInterestType, AccountType must be CRS1104.",
    ),
    on=AccountReport,
)
def equity_interest_account_type(report: AccountReport, ctx: RuleContext) -> Iterator[Problem]:
    if report.holder.equity_interest_types and report.account_type != DEBT_OR_EQUITY_INTEREST:
        yield problem(
            "an account holder with an EquityInterestType needs AccountType CRS1104",
            _account_type(report),
            field_path(report, "AccountHolder", "EquityInterestType"),
        )


@record_rule(
    _about(60020, "insurance-account-number", "If AccountType is CRS1103, AcctNumberType must be OECD605."),
    on=AccountReport,
)
def insurance_account_number(report: AccountReport, ctx: RuleContext) -> Iterator[Problem]:
    if report.account_type == CASH_VALUE_INSURANCE and report.account_number_type != "OECD605":
        yield problem(
            "a cash value insurance or annuity contract (CRS1103) must have AcctNumberType OECD605",
            field_path(report, "AccountNumber", "@AcctNumberType"),
            _account_type(report),
        )


@record_rule(
    _about(
        60021,
        "depository-payments",
        "If AccountType is CRS1101, every Payment Type must be CRS502 (interest).",
    ),
    on=AccountReport,
)
def depository_payments(report: AccountReport, ctx: RuleContext) -> Iterator[Problem]:
    if report.account_type == DEPOSITORY and any(payment.type != "CRS502" for payment in report.payments):
        yield problem("a depository account (CRS1101) reports interest (CRS502) only", _payment_types(report))


@record_rule(
    _about(
        60022,
        "debt-equity-payments",
        "If AccountType is CRS1104, every Payment Type must be CRS503 or CRS504.",
    ),
    on=AccountReport,
)
def debt_equity_payments(report: AccountReport, ctx: RuleContext) -> Iterator[Problem]:
    if report.account_type == DEBT_OR_EQUITY_INTEREST and _other_payments(report):
        yield problem(
            "a debt or equity interest (CRS1104) reports CRS503 or CRS504 only", _payment_types(report)
        )


@record_rule(
    _about(
        60023,
        "insurance-payments",
        "If AccountType is CRS1103, every Payment Type must be CRS503 or CRS504.",
    ),
    on=AccountReport,
)
def insurance_payments(report: AccountReport, ctx: RuleContext) -> Iterator[Problem]:
    if report.account_type == CASH_VALUE_INSURANCE and _other_payments(report):
        yield problem(
            "a cash value insurance or annuity contract (CRS1103) reports CRS503 or CRS504 only",
            _payment_types(report),
        )


def _other_payments(report: AccountReport) -> bool:
    return any(payment.type not in _PROCEEDS_OR_OTHER for payment in report.payments)


RULES = (
    e_money_is_depository,
    iban_is_depository,
    equity_interest_account_type,
    insurance_account_number,
    depository_payments,
    debt_equity_payments,
    insurance_payments,
)
