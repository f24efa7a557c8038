"""DPI flags: what digital platforms paid a resident against what the registry knows of them."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from exchange.anomalies.declarations import About, Hit, Severity, money, platform_rule, sole
from exchange.anomalies.report_facts import PlatformYearFacts
from exchange.settings import Settings

_NO_BALANCE = "Reads platform payments, not account balances: a record error on a balance changes nothing."


@platform_rule(
    About(
        "PF02",
        "platform-income-on-benefit",
        "A means-tested benefit is granted for want of income: a recipient whom platforms abroad paid more "
        "than the threshold in the benefit's year had income the benefit authority did not weigh (the "
        "cross-border social-fraud case of the Benelux studies).",
        Severity.HIGH,
        evidence=("benefit_kinds", "benefit_amount", "platform_income", "activities", "platforms", "senders"),
        on_record_error=_NO_BALANCE,
        thresholds=("flag_platform_benefit_min_income",),
    )
)
def platform_income_on_benefit(facts: PlatformYearFacts, settings: Settings) -> Iterator[Hit]:
    if not facts.benefits:
        return
    paid = facts.in_currency(settings.flag_currency)
    total = sum((item.consideration for item in paid), Decimal(0))
    if not paid or total < settings.flag_platform_benefit_min_income:
        return
    yield Hit(
        {
            "benefit_kinds": sorted({kind for kind, _ in facts.benefits}),
            "benefit_amount": money(sum((amount for _, amount in facts.benefits), Decimal(0))),
            "platform_income": money(total),
            "activities": sorted({item.activity for item in paid}),
            "platforms": len({(item.sender, item.platform) for item in paid}),
            "senders": sorted({item.sender for item in paid}),
        },
        taxpayer_id=facts.taxpayer_id,
        amount=total,
        currency=settings.flag_currency,
        sender=sole(item.sender for item in paid),
    )


@platform_rule(
    About(
        "PF04",
        "income-split-across-platforms",
        "Each platform and each sending authority sees only its own share: a seller who stays under the "
        "threshold on every platform but crosses it across them is out of view of everyone but us.",
        Severity.MEDIUM,
        evidence=("combined", "platforms", "largest", "senders"),
        on_record_error=_NO_BALANCE,
        thresholds=("flag_platform_combined_min",),
    )
)
def income_split_across_platforms(facts: PlatformYearFacts, settings: Settings) -> Iterator[Hit]:
    totals = facts.by_platform(settings.flag_currency)
    threshold = settings.flag_platform_combined_min
    combined = sum(totals.values(), Decimal(0))
    if len(totals) < 2 or combined < threshold or max(totals.values()) >= threshold:
        return
    senders = sorted({sender for sender, _ in totals})
    yield Hit(
        {
            "combined": money(combined),
            "platforms": len(totals),
            "largest": money(max(totals.values())),
            "senders": senders,
        },
        taxpayer_id=facts.taxpayer_id,
        amount=combined,
        currency=settings.flag_currency,
        sender=sole(senders),
    )
