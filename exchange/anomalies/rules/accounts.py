"""Account and holder flags: residence, account states, how many accounts, closures, and benefits."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from decimal import Decimal

from exchange.anomalies.declarations import (
    About,
    Hit,
    Severity,
    account_rule,
    money,
    sole,
    taxpayer_rule,
)
from exchange.anomalies.facts import AccountFacts, TaxpayerYearFacts
from exchange.anomalies.rules.common import matched_taxpayer
from exchange.settings import Settings


@account_rule(
    About(
        "RS01",
        "residence-conflict",
        "A bank that holds a person resident where our registry says they do not live sees a different "
        "life than the one declared here: a feigned emigration, or a register that is out of date.",
        Severity.MEDIUM,
        evidence=("role", "reported_residences", "registry_residence", "on", "balance"),
        on_record_error="Fires all the same, without an amount: where someone lives is not in the balance.",
    )
)
def residence_conflict(account: AccountFacts, settings: Settings) -> Iterator[Hit]:
    for party in account.parties:
        taxpayer = party.taxpayer
        if taxpayer is None or not party.residences:
            continue
        registered = taxpayer.residence_on(account.period_end)
        if registered is None or registered in party.residences:
            continue
        yield Hit(
            {
                "role": party.role,
                "reported_residences": list(party.residences),
                "registry_residence": registered,
                "on": account.period_end.isoformat(),
                "balance": money(account.balance),
                **account.error_evidence(),
            },
            subject=party.subject,
            taxpayer_id=taxpayer.id,
            party_id=party.party_id,
            amount=account.balance,
            currency=account.currency,
        )


@account_rule(
    About(
        "AC01",
        "undocumented-or-dormant",
        "An account the bank could not document, or that nobody touches, is where money is parked by "
        "people who do not want to be asked about it.",
        Severity.LOW,
        evidence=("states", "balance", "currency"),
        on_record_error="Fires all the same, without an amount: the account's states are not its balance.",
    )
)
def undocumented_or_dormant(account: AccountFacts, settings: Settings) -> Iterator[Hit]:
    states = [
        name for name, on in (("undocumented", account.undocumented), ("dormant", account.dormant)) if on
    ]
    if states:
        yield Hit(
            {
                "states": states,
                "balance": money(account.balance),
                "currency": account.currency,
                **account.error_evidence(),
            },
            taxpayer_id=matched_taxpayer(account.holder),
            party_id=account.holder.party_id,
            amount=account.balance,
            currency=account.currency,
        )


@account_rule(
    About(
        "AC03",
        "closed-after-large-amounts",
        "Closing an account in the year it held or paid out large sums moves the money somewhere the "
        "next report will not show.",
        Severity.MEDIUM,
        evidence=("balance", "payments", "currency"),
        on_record_error="Judges the payments alone, and fires with their total as its amount.",
        thresholds=("flag_closed_amount_min", "flag_currency"),
    )
)
def closed_after_large_amounts(account: AccountFacts, settings: Settings) -> Iterator[Hit]:
    if not account.closed or account.currency != settings.flag_currency:
        return
    paid = sum((p.amount for p in account.payments if p.currency == account.currency), Decimal(0))
    largest = paid if account.balance is None else max(account.balance, paid)
    if largest >= settings.flag_closed_amount_min:
        yield Hit(
            {
                "balance": money(account.balance),
                "payments": money(paid),
                "currency": account.currency,
                **account.error_evidence(),
            },
            taxpayer_id=matched_taxpayer(account.holder),
            party_id=account.holder.party_id,
            amount=largest,
            currency=account.currency,
        )


@taxpayer_rule(
    About(
        "AC02",
        "many-foreign-accounts",
        "Savings spread over many accounts and countries stay under each bank's attention and each "
        "country's report, and together tell a different story.",
        Severity.LOW,
        evidence=("accounts", "by_sender", "institutions", "balance"),
        on_record_error="Counts the account all the same, and leaves its balance out of the total.",
        thresholds=("flag_many_accounts_min", "flag_currency"),
    )
)
def many_foreign_accounts(facts: TaxpayerYearFacts, settings: Settings) -> Iterator[Hit]:
    if len(facts.accounts) < settings.flag_many_accounts_min:
        return
    balances = facts.balances(settings.flag_currency)
    institutions = {a.institution.key for a in facts.accounts if a.institution is not None}
    yield Hit(
        {
            "accounts": len(facts.accounts),
            "by_sender": dict(sorted(Counter(a.sender for a in facts.accounts).items())),
            "institutions": len(institutions),
            "balance": money(balances.total),
            **balances.evidence(),
        },
        taxpayer_id=facts.taxpayer.id,
        amount=balances.total,
        currency=settings.flag_currency,
        sender=sole(a.sender for a in facts.accounts),
    )


@taxpayer_rule(
    About(
        "SB01",
        "benefit-with-foreign-assets",
        "A means-tested benefit is paid on the promise of little means; assets abroad above the limit "
        "make it cross-border social fraud.",
        Severity.HIGH,
        evidence=("benefits", "foreign_assets", "accounts", "senders"),
        on_record_error="Leaves the balance out of the foreign assets it compares with the threshold.",
        thresholds=("flag_benefit_assets_min", "flag_currency"),
    )
)
def benefit_with_foreign_assets(facts: TaxpayerYearFacts, settings: Settings) -> Iterator[Hit]:
    if not facts.benefits:
        return
    balances = facts.balances(settings.flag_currency)
    if balances.total < settings.flag_benefit_assets_min:
        return
    held = balances.counted
    yield Hit(
        {
            "benefits": [{"kind": b.kind, "amount": money(b.amount)} for b in facts.benefits],
            "foreign_assets": money(balances.total),
            "accounts": len(held),
            "senders": sorted({a.sender for a in held}),
            **balances.evidence(),
        },
        taxpayer_id=facts.taxpayer.id,
        amount=balances.total,
        currency=settings.flag_currency,
        sender=sole(a.sender for a in held),
    )
