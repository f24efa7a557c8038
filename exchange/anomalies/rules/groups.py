"""CbC flags: what a multinational group's country-by-country report says of its presence here and of
where its profits and taxes fall. Indicators for studies and audit selection, not findings."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal
from statistics import median

from exchange.anomalies.declarations import About, Hit, Severity, group_rule, money
from exchange.anomalies.report_facts import GroupFacts, Jurisdiction
from exchange.settings import Settings

_NO_BALANCE = "Reads CbC figures, not account balances: a record error on a balance changes nothing."


@group_rule(
    About(
        "CB01",
        "constituent-entity-unregistered",
        "A group that reports a constituent entity resident here which the company registry does not know "
        "has a presence that files nothing under its name, or a registry that misses a company.",
        Severity.MEDIUM,
        evidence=("group", "entity", "position"),
        on_record_error=_NO_BALANCE,
    )
)
def constituent_entity_unregistered(facts: GroupFacts, settings: Settings) -> Iterator[Hit]:
    for entity in facts.domestic_entities:
        if entity.decision != "no_match":  # matched, ambiguous, or awaiting the company registry
            continue
        yield Hit(
            {"group": facts.group, "entity": entity.name, "position": entity.position},
            subject=f"{entity.report_id}:{entity.position}",
        )


def _per(measure: Callable[[Jurisdiction], Decimal | int]) -> Callable[[Jurisdiction], Decimal | None]:
    def ratio(place: Jurisdiction) -> Decimal | None:
        base = measure(place)
        return place.profit / Decimal(base) if base > 0 else None

    return ratio


_MEASURES = {
    "employee": _per(lambda place: place.employees),
    "tangible_asset": _per(lambda place: place.assets),
}


@group_rule(
    About(
        "CB02",
        "profit-out-of-proportion",
        "Profit far above what the group earns per employee or per tangible asset in its other "
        "jurisdictions is booked where little of the work or capital is: the OECD's first indicator of "
        "profit shifting.",
        Severity.LOW,
        evidence=("jurisdiction", "per", "ratio_here", "median_elsewhere", "profit", "group"),
        on_record_error=_NO_BALANCE,
        thresholds=("flag_cbc_profit_ratio",),
    )
)
def profit_out_of_proportion(facts: GroupFacts, settings: Settings) -> Iterator[Hit]:
    for per, measure in _MEASURES.items():
        for place in facts.jurisdictions:
            here = measure(place)
            others = [
                value
                for other in facts.jurisdictions
                if other is not place and other.currency == place.currency
                for value in (measure(other),)
                if value is not None and value > 0
            ]
            if here is None or here <= 0 or not others:
                continue
            elsewhere = Decimal(median(others))
            if here <= elsewhere * Decimal(str(settings.flag_cbc_profit_ratio)):
                continue
            yield Hit(
                {
                    "jurisdiction": place.country,
                    "per": per,
                    "ratio_here": money(here),
                    "median_elsewhere": money(elsewhere),
                    "profit": money(place.profit),
                    "group": facts.group,
                },
                subject=f"{place.country}:{per}",
                amount=place.profit,
                currency=place.currency,
            )


@group_rule(
    About(
        "CB03",
        "tax-accrued-above-paid",
        "Tax accrued far above tax paid in a jurisdiction is tax a group owes but has not paid there: "
        "deferred, disputed, or never to be paid.",
        Severity.LOW,
        evidence=("jurisdiction", "tax_accrued", "tax_paid", "gap", "group"),
        on_record_error=_NO_BALANCE,
        thresholds=("flag_cbc_tax_accrued_ratio", "flag_cbc_tax_gap_min"),
    )
)
def tax_accrued_above_paid(facts: GroupFacts, settings: Settings) -> Iterator[Hit]:
    ratio = Decimal(str(settings.flag_cbc_tax_accrued_ratio))
    for place in facts.jurisdictions:
        paid = max(place.tax_paid, Decimal(0))
        gap = place.tax_accrued - paid
        if place.tax_accrued <= paid * ratio or gap < settings.flag_cbc_tax_gap_min:
            continue
        yield Hit(
            {
                "jurisdiction": place.country,
                "tax_accrued": money(place.tax_accrued),
                "tax_paid": money(place.tax_paid),
                "gap": money(gap),
                "group": facts.group,
            },
            subject=place.country,
            amount=gap,
            currency=place.currency,
        )
