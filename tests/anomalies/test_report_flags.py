"""The DPI and CbC flag rules on facts built by hand: each fires on its case and keeps quiet just
beside it (the whole chain through the pipeline: tests/formats/test_report_flags_pipeline.py)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from exchange.anomalies.declarations import FlagRule, Hit
from exchange.anomalies.platform_declared import DeclaredReturn, ListingFacts
from exchange.anomalies.report_facts import (
    ConstituentStanding,
    GroupFacts,
    Jurisdiction,
    PlatformIncome,
    PlatformYearFacts,
)
from exchange.anomalies.rules.groups import (
    constituent_entity_unregistered,
    profit_out_of_proportion,
    tax_accrued_above_paid,
)
from exchange.anomalies.rules.platforms import (
    income_split_across_platforms,
    platform_income_above_declared,
    platform_income_on_benefit,
    rental_beyond_declared,
)
from exchange.settings import Settings

SETTINGS = Settings()


def _hits(rule: FlagRule[Any], facts: Any, **overrides: Any) -> list[Hit]:
    return list(rule.check(facts, SETTINGS.model_copy(update=overrides)))


def _year(
    *paid: tuple[str, str, int], benefit: int | None = None, currency: str = "EUR"
) -> PlatformYearFacts:
    income = tuple(
        PlatformIncome(sender, platform, "immovable_property", Decimal(amount), currency)
        for sender, platform, amount in paid
    )
    benefits = (("integration_income", Decimal(benefit)),) if benefit is not None else ()
    return PlatformYearFacts(7, 2025, income, benefits)


# -- PF02 ------------------------------------------------------------------------------------------


def test_pf02_a_benefit_recipient_paid_by_platforms_above_the_threshold() -> None:
    [hit] = _hits(platform_income_on_benefit, _year(("NL", "Huur", 2000), ("LU", "Loc", 1500), benefit=9000))
    assert (hit.amount, hit.taxpayer_id, hit.sender) == (Decimal(3500), 7, None)
    assert hit.evidence["benefit_kinds"] == ["integration_income"] and hit.evidence["platforms"] == 2


def test_pf02_quiet_under_the_threshold_without_a_benefit_or_in_another_currency() -> None:
    assert not _hits(platform_income_on_benefit, _year(("NL", "Huur", 2999), benefit=9000))
    assert not _hits(platform_income_on_benefit, _year(("NL", "Huur", 50000)))
    assert not _hits(platform_income_on_benefit, _year(("NL", "Huur", 50000), benefit=9000, currency="USD"))
    assert _hits(
        platform_income_on_benefit,
        _year(("NL", "Huur", 2999), benefit=9000),
        **{"flag_platform_benefit_min_income": Decimal(2000)},
    )


# -- PF04 ------------------------------------------------------------------------------------------


def test_pf04_several_platforms_together_above_what_each_stays_under() -> None:
    [hit] = _hits(income_split_across_platforms, _year(("NL", "Huur", 6000), ("LU", "Loc", 5000)))
    assert hit.amount == Decimal(11000)
    assert (hit.evidence["platforms"], hit.evidence["largest"], hit.evidence["senders"]) == (
        2,
        "6000.00",
        ["LU", "NL"],
    )


def test_pf04_quiet_when_one_platform_alone_crosses_or_all_stay_under() -> None:
    assert not _hits(income_split_across_platforms, _year(("NL", "Huur", 10000), ("LU", "Loc", 5000)))
    assert not _hits(income_split_across_platforms, _year(("NL", "Huur", 4000), ("LU", "Loc", 5000)))
    assert not _hits(income_split_across_platforms, _year(("NL", "Huur", 9000)))
    # One sender, two of its platforms: still split.
    assert _hits(income_split_across_platforms, _year(("NL", "Huur", 6000), ("NL", "Rit", 5000)))


# -- PF01 ------------------------------------------------------------------------------------------


def _paid(
    *items: tuple[str, int], declared: DeclaredReturn | None, currency: str = "EUR"
) -> PlatformYearFacts:
    income = tuple(
        PlatformIncome("NL", "Huur", activity, Decimal(amount), currency) for activity, amount in items
    )
    return PlatformYearFacts(7, 2025, income, (), declared)


def test_pf01_platform_income_of_a_kind_above_what_the_return_declares_of_it() -> None:
    declared = DeclaredReturn({"personal_services": Decimal(1000), "sale_of_goods": Decimal(2900)})
    facts = _paid(("personal_services", 3000), ("sale_of_goods", 3000), declared=declared)
    [hit] = _hits(platform_income_above_declared, facts)
    assert (hit.subject, hit.amount, hit.sender) == ("personal_services", Decimal(2000), "NL")
    assert (hit.evidence["declared"], hit.evidence["platform_income"]) == ("1000.00", "3000.00")
    # Rentals: the declared rents of the properties count when the return gives no total of the kind.
    assert _hits(
        platform_income_above_declared, _paid(("immovable_property", 9000), declared=DeclaredReturn())
    )
    by_property = DeclaredReturn(rents=Decimal(8500))
    assert not _hits(
        platform_income_above_declared, _paid(("immovable_property", 9000), declared=by_property)
    )


def test_pf01_quiet_without_a_return_within_the_gaps_or_in_another_currency() -> None:
    assert not _hits(platform_income_above_declared, _paid(("sale_of_goods", 50000), declared=None))
    small = DeclaredReturn({"sale_of_goods": Decimal(2600)})  # 400 short: under the 500 minimum
    assert not _hits(platform_income_above_declared, _paid(("sale_of_goods", 3000), declared=small))
    share = DeclaredReturn({"sale_of_goods": Decimal(8500)})  # 1,500 short: under 20% of 10,000
    assert not _hits(platform_income_above_declared, _paid(("sale_of_goods", 10000), declared=share))
    assert _hits(
        platform_income_above_declared,
        _paid(("sale_of_goods", 10000), declared=share),
        flag_platform_income_gap_ratio=0.1,
    )
    usd = _paid(("sale_of_goods", 50000), declared=DeclaredReturn(), currency="USD")
    assert not _hits(platform_income_above_declared, usd)


# -- PF03 ------------------------------------------------------------------------------------------


def _listing(
    paid: int,
    days: int | None,
    decision: str | None,
    rent: int | None = None,
    declared_days: int | None = None,
    own: bool = True,
) -> ListingFacts:
    return ListingFacts(
        "NL",
        11,
        0,
        "ASD01-K-1234",
        (("EUR", Decimal(paid)),),
        days,
        decision,
        "land_registration" if decision == "match" else "none",
        own and decision == "match",
        None if rent is None else Decimal(rent),
        declared_days,
    )


_A_RETURN = DeclaredReturn()


def _let(*listings: ListingFacts, declared: DeclaredReturn | None = _A_RETURN) -> PlatformYearFacts:
    return PlatformYearFacts(7, 2025, (), (), declared, listings)


def test_pf03_a_property_let_for_more_days_or_money_than_declared_or_not_declared() -> None:
    [days] = _hits(rental_beyond_declared, _let(_listing(5000, 90, "match", rent=5000, declared_days=60)))
    assert (days.evidence["reasons"], days.amount) == (["more_days"], Decimal(0))
    [money] = _hits(rental_beyond_declared, _let(_listing(9000, 60, "match", rent=4000, declared_days=60)))
    assert (money.evidence["reasons"], money.amount) == (["more_money"], Decimal(5000))
    [undeclared] = _hits(rental_beyond_declared, _let(_listing(3000, 30, "no_match")))
    assert undeclared.evidence["reasons"] == ["not_declared"] and undeclared.evidence["declared_rent"] is None
    [other] = _hits(rental_beyond_declared, _let(_listing(9000, 60, "match", rent=4000, own=False)))
    assert other.evidence["declared_by"] == "another taxpayer"


def test_pf03_quiet_when_the_return_explains_it_or_there_is_nothing_to_judge_by() -> None:
    explained = _listing(5000, 70, "match", rent=4500, declared_days=60)  # 10 days and 500 more
    assert not _hits(rental_beyond_declared, _let(explained))
    assert not _hits(rental_beyond_declared, _let(_listing(900, 10, "no_match")))  # under 1,000
    assert not _hits(rental_beyond_declared, _let(_listing(9000, 90, "candidates")))
    assert not _hits(rental_beyond_declared, _let(_listing(9000, 90, "awaiting")))
    assert not _hits(rental_beyond_declared, _let(_listing(9000, 90, "no_match"), declared=None))
    assert _hits(rental_beyond_declared, _let(explained), flag_rental_days_margin=5)


# -- CbC -------------------------------------------------------------------------------------------


def _place(
    country: str, profit: int, employees: int, assets: int, paid: int = 0, accrued: int = 0
) -> Jurisdiction:
    return Jurisdiction(
        country, "EUR", Decimal(profit), Decimal(paid), Decimal(accrued), employees, Decimal(assets)
    )


def _group(*places: Jurisdiction, entities: tuple[ConstituentStanding, ...] = ()) -> GroupFacts:
    return GroupFacts("LU", 2025, "Groupe Lux", places, entities)


def test_cb01_a_domestic_constituent_entity_the_registry_does_not_know() -> None:
    entities = (
        ConstituentStanding(1, 0, "Lux Belgium NV", "no_match"),
        ConstituentStanding(1, 1, "Lux Services NV", "match"),
        ConstituentStanding(1, 2, "Lux Two NV", "candidates"),
        ConstituentStanding(1, 3, "Lux Three NV", "awaiting"),
    )
    [hit] = _hits(constituent_entity_unregistered, _group(entities=entities))
    assert (hit.subject, hit.evidence["entity"]) == ("1:0", "Lux Belgium NV")


def test_cb02_profit_per_employee_or_asset_far_above_the_other_jurisdictions() -> None:
    group = _group(
        _place("LU", 9_000_000, 10, 1_000_000),  # 900k per employee, 9 per euro of assets
        _place("BE", 1_000_000, 100, 10_000_000),  # 10k per employee, 0.1 per euro
        _place("NL", 2_000_000, 100, 10_000_000),
    )
    hits = _hits(profit_out_of_proportion, group)
    assert sorted(hit.subject for hit in hits) == ["LU:employee", "LU:tangible_asset"]
    assert not _hits(profit_out_of_proportion, group, flag_cbc_profit_ratio=100.0)


def test_cb02_quiet_for_a_loss_a_lone_jurisdiction_or_proportionate_profits() -> None:
    assert not _hits(profit_out_of_proportion, _group(_place("LU", 9_000_000, 10, 1_000_000)))
    assert not _hits(
        profit_out_of_proportion,
        _group(_place("LU", -9_000_000, 10, 100), _place("BE", 1_000_000, 100, 1000)),
    )
    assert not _hits(
        profit_out_of_proportion,
        _group(_place("LU", 3_000_000, 100, 10_000_000), _place("BE", 1_000_000, 100, 10_000_000)),
    )


def test_cb03_tax_accrued_far_above_tax_paid() -> None:
    [hit] = _hits(tax_accrued_above_paid, _group(_place("LU", 1, 1, 1, paid=50_000, accrued=400_000)))
    assert (hit.subject, hit.amount) == ("LU", Decimal(350_000))


def test_cb03_quiet_when_close_or_the_gap_is_small() -> None:
    assert not _hits(tax_accrued_above_paid, _group(_place("LU", 1, 1, 1, paid=200_000, accrued=250_000)))
    assert not _hits(tax_accrued_above_paid, _group(_place("LU", 1, 1, 1, paid=1_000, accrued=90_000)))
