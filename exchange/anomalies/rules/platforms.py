"""DPI flags: what digital platforms paid a resident against what the registry knows of them: benefits
(PF02), what the return declares (PF01, PF03), and what the other platforms paid (PF04)."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from exchange.anomalies.declarations import About, Hit, Severity, money, platform_rule, sole
from exchange.anomalies.platform_declared import ListingFacts
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


@platform_rule(
    About(
        "PF01",
        "platform-income-above-declared",
        "What platforms paid for an activity is income of that kind: a return that declares clearly "
        "less of it than the platforms abroad paid leaves the rest untaxed.",
        Severity.MEDIUM,
        evidence=("activity", "platform_income", "declared", "gap", "platforms", "senders"),
        on_record_error=_NO_BALANCE,
        thresholds=("flag_platform_income_gap_min", "flag_platform_income_gap_ratio"),
    )
)
def platform_income_above_declared(facts: PlatformYearFacts, settings: Settings) -> Iterator[Hit]:
    if facts.declared is None:
        return  # no return of the year: nothing declared yet to compare with
    paid = facts.in_currency(settings.flag_currency)
    for activity in sorted({item.activity for item in paid}):
        items = [item for item in paid if item.activity == activity]
        total = sum((item.consideration for item in items), Decimal(0))
        declared = facts.declared.of(activity)
        gap = total - declared
        if gap <= settings.flag_platform_income_gap_min or gap <= total * Decimal(
            str(settings.flag_platform_income_gap_ratio)
        ):
            continue
        yield Hit(
            {
                "activity": activity,
                "platform_income": money(total),
                "declared": money(declared),
                "gap": money(gap),
                "platforms": len({(item.sender, item.platform) for item in items}),
                "senders": sorted({item.sender for item in items}),
            },
            subject=activity,
            taxpayer_id=facts.taxpayer_id,
            amount=gap,
            currency=settings.flag_currency,
            sender=sole(item.sender for item in items),
        )


def _rental_gaps(listing: ListingFacts, paid: Decimal, settings: Settings) -> list[str]:
    """Why a listing matched to a declared property is more than the declaration explains."""
    reasons = []
    if (
        listing.rented_days is not None
        and listing.declared_days is not None
        and listing.rented_days > listing.declared_days + settings.flag_rental_days_margin
    ):
        reasons.append("more_days")
    gap = paid - (listing.declared_rent or Decimal(0))
    if gap > settings.flag_rental_min_income and gap > paid * Decimal(str(settings.flag_rental_gap_ratio)):
        reasons.append("more_money")
    return reasons


@platform_rule(
    About(
        "PF03",
        "rental-beyond-declared",
        "A property let through a platform earns rental income: let for more days or more money than "
        "the return declares for it, or not declared at all, part of that income goes untaxed.",
        Severity.MEDIUM,
        evidence=(
            "reasons",
            "property",
            "platform_income",
            "rented_days",
            "declared_rent",
            "declared_days",
            "declared_by",
            "match_method",
            "sender",
        ),
        on_record_error=_NO_BALANCE,
        thresholds=("flag_rental_min_income", "flag_rental_gap_ratio", "flag_rental_days_margin"),
    )
)
def rental_beyond_declared(facts: PlatformYearFacts, settings: Settings) -> Iterator[Hit]:
    if facts.declared is None:
        return  # no return of the year: nothing declared yet to compare with
    for listing in facts.listings:
        paid = listing.paid_in(settings.flag_currency)
        if paid is None:
            continue
        if listing.decision == "no_match":
            reasons = ["not_declared"] if paid >= settings.flag_rental_min_income else []
        elif listing.decision == "match":
            reasons = _rental_gaps(listing, paid, settings)
        else:
            continue  # awaiting the registry, or several declarations agree: nothing to judge by
        if not reasons:
            continue
        declared = listing.declared_rent if listing.decision == "match" else None
        yield Hit(
            {
                "reasons": reasons,
                "property": listing.place,
                "platform_income": money(paid),
                "rented_days": listing.rented_days,
                "declared_rent": money(declared),
                "declared_days": listing.declared_days,
                "declared_by": None
                if listing.decision != "match"
                else ("the seller" if listing.declared_by_seller else "another taxpayer"),
                "match_method": listing.method,
                "sender": listing.sender,
            },
            subject=f"{listing.sender}:{listing.place}",
            taxpayer_id=facts.taxpayer_id,
            amount=paid - (declared or Decimal(0)),
            currency=settings.flag_currency,
            sender=listing.sender,
        )
