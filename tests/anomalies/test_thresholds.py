"""Each rule's thresholds, decided on facts built in code: just below and at the threshold."""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

import pytest

from exchange.anomalies import FLAG_RULES, combined_score
from exchange.anomalies.cohort import band_of, cohort_of, log_ratio, robust_z
from exchange.anomalies.declarations import FlagRule, Hit
from exchange.anomalies.facts import Benefit, Cohort
from exchange.anomalies.rules.accounts import (
    benefit_with_foreign_assets,
    closed_after_large_amounts,
    many_foreign_accounts,
)
from exchange.anomalies.rules.declared import (
    account_not_declared,
    balance_out_of_proportion,
    income_above_declared,
)
from exchange.anomalies.rules.institutions import frequent_amendments
from exchange.anomalies.scores import highest
from exchange.records import PartyKind
from exchange.settings import Settings
from tests.anomalies.facts_builders import account, held, holder, institution, taxpayer, year_facts

SETTINGS = Settings()


def _hits(rule: FlagRule[Any], facts: Any, **overrides: Any) -> list[Hit]:
    return list(rule.check(facts, SETTINGS.model_copy(update=overrides)))


# -- DC01 ----------------------------------------------------------------------------------------


def test_an_account_declared_under_a_looser_bank_name_counts_as_declared() -> None:
    declared = taxpayer(declared=(("LU", "banque exemple"),))
    assert _hits(account_not_declared, account((holder(declared),))) == []
    elsewhere = taxpayer(declared=(("NL", "Banque Exemple"),))
    assert len(_hits(account_not_declared, account((holder(elsewhere),)))) == 1
    other_bank = taxpayer(declared=(("LU", "BGL BNP Paribas"),))
    assert len(_hits(account_not_declared, account((holder(other_bank),)))) == 1


def test_undeclared_balance_threshold() -> None:
    facts = account((holder(taxpayer()),), balance="999.99")
    assert _hits(account_not_declared, facts, flag_undeclared_min_balance=Decimal(1000)) == []
    facts = account((holder(taxpayer()),), balance="1000.00")
    assert len(_hits(account_not_declared, facts, flag_undeclared_min_balance=Decimal(1000))) == 1


def test_an_entity_without_returns_in_the_registry_is_not_judged_by_personal_returns() -> None:
    entity = taxpayer(kind=PartyKind.ORGANISATION, filed=False)
    assert _hits(account_not_declared, account((holder(entity),))) == []
    person_without_return = taxpayer(filed=False)
    [hit] = _hits(account_not_declared, account((holder(person_without_return),)))
    assert hit.evidence["return_filed"] is False


def test_a_conflict_or_no_match_is_not_judged_against_anyone_s_return() -> None:
    assert _hits(account_not_declared, account((holder(None, decision="no_match"),))) == []


# -- DC02 ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reported", "declared", "fires"),
    [
        ("100.00", "0", False),  # a gap of 100 is not more than 100
        ("100.01", "0", True),
        ("5000.00", "4600.00", False),  # 400 over, but within 10% of 5000
        ("5000.00", "4400.00", True),
    ],
)
def test_income_gap_thresholds(reported: str, declared: str, fires: bool) -> None:
    facts = year_facts(taxpayer(interest=declared), held("1000", payments=(("CRS502", reported),)))
    assert bool(_hits(income_above_declared, facts)) is fires


def test_income_in_another_currency_is_not_compared() -> None:
    facts = year_facts(taxpayer(), held("1000", payments=(("CRS502", "9000"),), currency="USD"))
    assert _hits(income_above_declared, facts) == []


def test_each_kind_of_income_is_its_own_flag() -> None:
    facts = year_facts(
        taxpayer(), held("1000", payments=(("CRS501", "900"), ("CRS502", "800"), ("FATCA504", "700")))
    )
    hits = _hits(income_above_declared, facts)
    assert [(h.subject, h.amount) for h in hits] == [
        ("dividends", Decimal(900)),
        ("interest", Decimal(800)),
        ("other", Decimal(700)),
    ]


# -- DC03 ----------------------------------------------------------------------------------------


def _cohort(ratios: list[float]) -> Cohort:
    return cohort_of("30000-50000", [math.log(r) for r in ratios])


def test_a_balance_far_beyond_the_cohort_is_out_of_proportion() -> None:
    cohort = _cohort([0.05, 0.08, 0.1, 0.12, 0.15, 0.2, 0.1, 0.09, 0.11, 0.13] * 2)
    ordinary = year_facts(taxpayer(income="40000"), held("4000"), cohort=cohort)
    assert _hits(balance_out_of_proportion, ordinary) == []
    [hit] = _hits(
        balance_out_of_proportion, year_facts(taxpayer(income="40000"), held("400000"), cohort=cohort)
    )
    assert hit.evidence["cohort_size"] == 20 and hit.evidence["robust_z"] > 3.5
    assert hit.evidence["ratio"] == 10.0 and hit.amount == Decimal(400000)


def test_a_cohort_too_small_or_without_spread_judges_nobody() -> None:
    small = _cohort([0.05, 0.1, 0.2])
    facts = year_facts(taxpayer(income="40000"), held("400000"), cohort=small)
    assert _hits(balance_out_of_proportion, facts) == []
    assert len(_hits(balance_out_of_proportion, facts, flag_cohort_min_size=3)) == 1
    flat = _cohort([0.1] * 30)
    assert _hits(balance_out_of_proportion, year_facts(taxpayer(), held("400000"), cohort=flat)) == []


def test_cohort_arithmetic() -> None:
    assert band_of(Decimal(14999), [Decimal(15000), Decimal(30000)]) == "<15000"
    assert band_of(Decimal(15000), [Decimal(15000), Decimal(30000)]) == "15000-30000"
    assert band_of(Decimal(30000), [Decimal(15000), Decimal(30000)]) == ">=30000"
    assert band_of(Decimal(1), []) == "all"
    assert log_ratio(Decimal(100), Decimal(0)) == pytest.approx(math.log(100))  # income floored at 1
    cohort = cohort_of("all", [1.0, 2.0, 3.0, 4.0, 100.0])
    assert (cohort.median, cohort.mad) == (3.0, 1.0)  # the outlier moves neither
    assert robust_z(5.0, cohort) == pytest.approx(0.6745 * 2)


# -- AC02, AC03, SB01, FI01 -------------------------------------------------------------------------


def test_many_accounts_threshold() -> None:
    four = year_facts(taxpayer(), *[held("10", sender=s) for s in ("LU", "LU", "NL", "NL")])
    assert _hits(many_foreign_accounts, four) == []
    [hit] = _hits(many_foreign_accounts, year_facts(taxpayer(), *four.accounts, held("10", sender="NL")))
    assert hit.evidence["by_sender"] == {"LU": 2, "NL": 3} and hit.sender is None


@pytest.mark.parametrize(
    ("balance", "payments", "closed", "fires"),
    [
        ("49999.99", (), True, False),
        ("50000.00", (), True, True),
        ("0.00", (("CRS503", "30000"), ("CRS502", "20000")), True, True),
        ("90000.00", (), False, False),  # open: nothing moved out of sight
    ],
)
def test_closed_account_threshold(
    balance: str, payments: tuple[tuple[str, str], ...], closed: bool, fires: bool
) -> None:
    facts = account((holder(taxpayer()),), balance=balance, payments=payments, closed=closed)
    assert bool(_hits(closed_after_large_amounts, facts)) is fires


def test_benefit_recipient_threshold() -> None:
    recipient = taxpayer(benefits=(Benefit("integration_income", Decimal(12000)),))
    assert _hits(benefit_with_foreign_assets, year_facts(recipient, held("9999.99"))) == []
    [hit] = _hits(benefit_with_foreign_assets, year_facts(recipient, held("6000"), held("4000", sender="NL")))
    assert hit.evidence["foreign_assets"] == "10000.00" and hit.evidence["senders"] == ["LU", "NL"]
    assert _hits(benefit_with_foreign_assets, year_facts(taxpayer(), held("90000"))) == []


def test_frequent_amendments_threshold() -> None:
    assert _hits(frequent_amendments, institution(16, 2, 1)) == []  # 3 of 19: too few records
    assert _hits(frequent_amendments, institution(16, 3, 1)) == []  # 4 of 20: 20%
    [hit] = _hits(frequent_amendments, institution(15, 3, 2))  # 5 of 20: 25%
    assert hit.evidence == {"new": 15, "corrections": 3, "deletions": 2, "share": 0.25}


# -- a balance a record error disputes -------------------------------------------------------------


def test_a_disputed_balance_is_no_reason_to_keep_an_undeclared_account_quiet() -> None:
    facts = account((holder(taxpayer()),), balance="-5.00", record_errors=(60002,))
    [hit] = _hits(account_not_declared, facts, flag_undeclared_min_balance=Decimal(1000))
    assert hit.amount is None and hit.evidence["balance"] is None
    assert hit.evidence["record_errors"] == [60002]


def test_a_disputed_closed_balance_leaves_the_payments_to_judge() -> None:
    settings = {"flag_closed_amount_min": Decimal(50000)}
    quiet = account((holder(taxpayer()),), balance="90000.00", closed=True, record_errors=(60003,))
    assert _hits(closed_after_large_amounts, quiet, **settings) == []
    paid = account(
        (holder(taxpayer()),), closed=True, payments=(("CRS503", "50000.00"),), record_errors=(60003,)
    )
    [hit] = _hits(closed_after_large_amounts, paid, **settings)
    assert hit.amount == Decimal(50000) and hit.evidence["record_errors"] == [60003]


def test_disputed_balances_are_left_out_of_the_sums() -> None:
    cohort = _cohort([0.05, 0.08, 0.1, 0.12, 0.15, 0.2, 0.1, 0.09, 0.11, 0.13] * 2)
    only_disputed = year_facts(
        taxpayer(income="40000"), held("400000", record_errors=(60002,)), cohort=cohort
    )
    assert _hits(balance_out_of_proportion, only_disputed) == []
    recipient = taxpayer(benefits=(Benefit("integration_income", Decimal(12000)),))
    facts = year_facts(recipient, held("9000"), held("-20000", record_errors=(60002,)), held("1000"))
    [hit] = _hits(benefit_with_foreign_assets, facts)
    assert hit.amount == Decimal(10000) and hit.evidence["accounts"] == 2
    assert (hit.evidence["balances_left_out"], hit.evidence["record_errors"]) == (1, [60002])


# -- declarations and scores -----------------------------------------------------------------------


def test_every_rule_is_one_complete_declaration() -> None:
    codes = [rule.code for rule in FLAG_RULES]
    assert len(codes) == len(set(codes))
    for rule in FLAG_RULES:
        assert rule.why.endswith(".") and rule.name == rule.name.lower() and rule.evidence
        assert rule.on_record_error.endswith("."), rule.code
        assert all(name in Settings.model_fields for name in rule.thresholds), rule.code
        assert set(rule.describe(SETTINGS)["thresholds"]) == set(rule.thresholds)


def test_every_flag_setting_is_some_rule_s_threshold() -> None:
    used = {name for rule in FLAG_RULES for name in rule.thresholds}
    general = {"flag_study_min_taxpayers"}  # the study tables', not a rule's
    assert {name for name in Settings.model_fields if name.startswith("flag_")} == used | general


def test_scores_combine_as_independent_chances() -> None:
    assert combined_score([]) == 0.0
    assert combined_score([60]) == 60.0
    assert combined_score([60, 30]) == 72.0
    assert combined_score([10] * 3) < combined_score([60])
    assert combined_score([60] * 50) <= 100.0
    assert highest(["low", "high", "medium"]) == "high" and highest([]) is None
