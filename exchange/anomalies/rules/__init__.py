"""Every flag rule, by scope: the registry the evaluation runs and `exchange flags rules` lists."""

from __future__ import annotations

from typing import Any

from exchange.anomalies.declarations import FlagRule
from exchange.anomalies.facts import AccountFacts, InstitutionFacts, TaxpayerYearFacts
from exchange.anomalies.report_facts import GroupFacts, PlatformYearFacts
from exchange.anomalies.rules.accounts import (
    benefit_with_foreign_assets,
    closed_after_large_amounts,
    many_foreign_accounts,
    residence_conflict,
    undocumented_or_dormant,
)
from exchange.anomalies.rules.declared import (
    account_not_declared,
    balance_out_of_proportion,
    income_above_declared,
    passive_nfe_undeclared,
)
from exchange.anomalies.rules.groups import (
    constituent_entity_unregistered,
    profit_out_of_proportion,
    tax_accrued_above_paid,
)
from exchange.anomalies.rules.identity import identity_conflict, person_not_found, tin_invalid
from exchange.anomalies.rules.institutions import frequent_amendments
from exchange.anomalies.rules.platforms import (
    income_split_across_platforms,
    platform_income_above_declared,
    platform_income_on_benefit,
    rental_beyond_declared,
)

ACCOUNT_RULES: tuple[FlagRule[AccountFacts], ...] = (
    person_not_found,
    tin_invalid,
    identity_conflict,
    account_not_declared,
    residence_conflict,
    undocumented_or_dormant,
    passive_nfe_undeclared,
    closed_after_large_amounts,
)
TAXPAYER_RULES: tuple[FlagRule[TaxpayerYearFacts], ...] = (
    income_above_declared,
    balance_out_of_proportion,
    many_foreign_accounts,
    benefit_with_foreign_assets,
)
INSTITUTION_RULES: tuple[FlagRule[InstitutionFacts], ...] = (frequent_amendments,)
PLATFORM_RULES: tuple[FlagRule[PlatformYearFacts], ...] = (
    platform_income_above_declared,
    platform_income_on_benefit,
    rental_beyond_declared,
    income_split_across_platforms,
)
GROUP_RULES: tuple[FlagRule[GroupFacts], ...] = (
    constituent_entity_unregistered,
    profit_out_of_proportion,
    tax_accrued_above_paid,
)

FLAG_RULES: tuple[FlagRule[Any], ...] = tuple(
    sorted(
        (*ACCOUNT_RULES, *TAXPAYER_RULES, *INSTITUTION_RULES, *PLATFORM_RULES, *GROUP_RULES),
        key=lambda rule: rule.code,
    )
)
_BY_CODE = {rule.code: rule for rule in FLAG_RULES}


def rule_of(code: str) -> FlagRule[Any] | None:
    """The rule of a code; None for a flag of a rule this version no longer has."""
    return _BY_CODE.get(code)


def rule_name(code: str) -> str:
    rule = rule_of(code)
    return rule.name if rule is not None else code
