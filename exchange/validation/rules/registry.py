"""Every business rule, in code order: what the engine runs and `exchange rules` lists."""

from __future__ import annotations

from exchange.submissions import rules as submission
from exchange.validation.rules import cbc, corrections, crs_accounts, crs_v3, domestic, dpi, message
from exchange.validation.rules.declarations import Rule

RULES: tuple[Rule, ...] = tuple(
    sorted(
        (
            *message.RULES,
            *crs_accounts.RULES,
            *crs_v3.RULES,
            *corrections.RULES,
            *domestic.RULES,
            *dpi.RULES,
            *cbc.RULES,
            *submission.RULES,
        ),
        key=lambda rule: rule.code,
    )
)


def _refuse_duplicates(rules: tuple[Rule, ...]) -> None:
    codes = [rule.code for rule in rules]
    repeated = sorted({code for code in codes if codes.count(code) > 1})
    if repeated:
        raise RuntimeError(f"codes declared by more than one rule: {repeated}")


_refuse_duplicates(RULES)


def by_code(code: int) -> Rule:
    for rule in RULES:
        if rule.code == code:
            return rule
    raise KeyError(code)
