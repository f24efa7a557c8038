"""Declaration flags: what partners report against what the taxpayer declared on that year's return."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal

from exchange.anomalies.cohort import log_ratio, robust_z
from exchange.anomalies.declarations import (
    About,
    Hit,
    Severity,
    account_rule,
    money,
    sole,
    taxpayer_rule,
)
from exchange.anomalies.facts import PASSIVE_NFE, AccountFacts, TaxpayerYearFacts, income_kind
from exchange.anomalies.rules.common import declared_account
from exchange.records import PartyKind
from exchange.settings import Settings


@account_rule(
    About(
        "DC01",
        "account-not-declared",
        "Every foreign account must be declared on the return of its year; one the partner reports and "
        "the return does not name is the plainest sign of hidden savings.",
        Severity.HIGH,
        evidence=("country", "institution", "return_filed", "declared_in_country", "balance", "currency"),
        # As for a balance in another currency: what cannot be compared with the threshold is no reason
        # to keep quiet about an account the return does not name.
        on_record_error="Fires without an amount: an undeclared account is one whatever its balance, and a "
        "balance that cannot be compared with the threshold does not hide it.",
        thresholds=("flag_undeclared_min_balance",),
    )
)
def account_not_declared(account: AccountFacts, settings: Settings) -> Iterator[Hit]:
    taxpayer = account.holder.taxpayer
    if taxpayer is None or not taxpayer.declares(account.year):
        return
    balance = account.balance
    if (
        balance is not None
        and account.currency == settings.flag_currency
        and balance < settings.flag_undeclared_min_balance
    ):
        return
    declared = taxpayer.declared_institutions(account.year, account.sender)
    if declared_account(account, declared):
        return
    yield Hit(
        {
            "country": account.sender,
            "institution": account.institution.name if account.institution else None,
            "return_filed": account.year in taxpayer.returns,
            "declared_in_country": sorted(declared),
            "balance": money(balance),
            "currency": account.currency,
            **account.error_evidence(),
        },
        taxpayer_id=taxpayer.id,
        party_id=account.holder.party_id,
        amount=account.balance,
        currency=account.currency,
    )


@taxpayer_rule(
    About(
        "DC02",
        "income-above-declared",
        "Interest, dividends, proceeds or other income reported by banks abroad beyond what the return "
        "declares of that kind is income that escaped tax.",
        Severity.MEDIUM,
        evidence=("kind", "reported", "declared", "gap", "return_filed", "accounts", "senders"),
        on_record_error="Reads payments only: a disputed balance changes nothing.",
        thresholds=("flag_income_gap_min", "flag_income_gap_ratio", "flag_currency"),
    )
)
def income_above_declared(facts: TaxpayerYearFacts, settings: Settings) -> Iterator[Hit]:
    if not facts.taxpayer.declares(facts.year):
        return
    currency = settings.flag_currency
    reported: dict[str, Decimal] = defaultdict(Decimal)
    accounts: dict[str, set[int]] = defaultdict(set)
    senders: dict[str, set[str]] = defaultdict(set)
    for account in facts.accounts:
        for payment in account.payments:
            kind = income_kind(payment.type)
            if kind is not None and payment.currency == currency:
                reported[kind] += payment.amount
                accounts[kind].add(account.chain_id)
                senders[kind].add(account.sender)
    tax_return = facts.tax_return
    ratio = Decimal(str(settings.flag_income_gap_ratio))
    for kind in sorted(reported):
        declared = tax_return.foreign.get(kind, Decimal(0)) if tax_return else Decimal(0)
        gap = reported[kind] - declared
        if gap > settings.flag_income_gap_min and gap > reported[kind] * ratio:
            yield Hit(
                {
                    "kind": kind,
                    "reported": money(reported[kind]),
                    "declared": money(declared),
                    "gap": money(gap),
                    "return_filed": tax_return is not None,
                    "accounts": len(accounts[kind]),
                    "senders": sorted(senders[kind]),
                },
                subject=kind,
                taxpayer_id=facts.taxpayer.id,
                amount=gap,
                currency=currency,
                sender=sole(senders[kind]),
            )


@taxpayer_rule(
    About(
        "DC03",
        "balance-out-of-proportion",
        "Savings abroad far beyond what taxpayers of the same declared income hold suggest income that "
        "was never declared, wherever the account sits.",
        Severity.MEDIUM,
        evidence=(
            "balance",
            "total_income",
            "ratio",
            "band",
            "cohort_size",
            "cohort_median_ratio",
            "robust_z",
        ),
        on_record_error="Leaves the balance out of the taxpayer's total and out of the cohorts.",
        thresholds=("flag_cohort_z", "flag_cohort_min_size", "flag_income_bands", "flag_currency"),
    )
)
def balance_out_of_proportion(facts: TaxpayerYearFacts, settings: Settings) -> Iterator[Hit]:
    cohort, tax_return = facts.cohort, facts.tax_return
    if cohort is None or tax_return is None or cohort.size < settings.flag_cohort_min_size:
        return
    balances = facts.balances(settings.flag_currency)
    held, balance = balances.counted, balances.total
    if balance <= 0:
        return
    z = robust_z(log_ratio(balance, tax_return.total_income), cohort)
    if z is None or z <= settings.flag_cohort_z:
        return
    yield Hit(
        {
            "balance": money(balance),
            "total_income": money(tax_return.total_income),
            "ratio": round(math.exp(log_ratio(balance, tax_return.total_income)), 4),
            "band": cohort.band,
            "cohort_size": cohort.size,
            "cohort_median_ratio": round(math.exp(cohort.median), 4),
            "robust_z": round(z, 2),
            **balances.evidence(),
        },
        taxpayer_id=facts.taxpayer.id,
        amount=balance,
        currency=settings.flag_currency,
        sender=sole(account.sender for account in held),
    )


@account_rule(
    About(
        "NF01",
        "passive-nfe-undeclared",
        "A passive entity abroad is the classic wrapper for savings: a resident who controls one and "
        "declares no holding in that country keeps the money out of sight of the return.",
        Severity.HIGH,
        evidence=("country", "holder_type", "return_filed", "balance", "currency"),
        on_record_error="Fires all the same, without an amount: the control of the entity is the finding.",
    )
)
def passive_nfe_undeclared(account: AccountFacts, settings: Settings) -> Iterator[Hit]:
    holder = account.holder
    if holder.kind is not PartyKind.ORGANISATION or holder.acct_holder_type != PASSIVE_NFE:
        return
    for person in account.parties[1:]:
        taxpayer = person.taxpayer
        if taxpayer is None or taxpayer.declared_institutions(account.year, account.sender):
            continue
        yield Hit(
            {
                "country": account.sender,
                "holder_type": PASSIVE_NFE,
                "return_filed": account.year in taxpayer.returns,
                "balance": money(account.balance),
                "currency": account.currency,
                **account.error_evidence(),
            },
            subject=person.subject,
            taxpayer_id=taxpayer.id,
            party_id=person.party_id,
            amount=account.balance,
            currency=account.currency,
        )
