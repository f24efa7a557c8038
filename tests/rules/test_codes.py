"""Every code: a record stream that triggers it and a near-identical one that does not."""

from __future__ import annotations

import pytest

from exchange.validation.findings import Finding
from exchange.validation.rules import RULES, RuleEngine
from tests.rules.builders import TODAY
from tests.rules.cases import CASES, Case, Scenario


def findings_of(scenario: Scenario) -> list[Finding]:
    items = RuleEngine().run(
        scenario.header,
        scenario.records,
        receiver=scenario.receiver,
        history=scenario.history,
        today=TODAY,
        authenticated_sender=scenario.sender,
    )
    return [item for item in items if isinstance(item, Finding)]


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_the_failing_stream_raises_the_code_and_nothing_else(case: Case) -> None:
    assert [finding.code for finding in findings_of(case.failing)] == [case.code]


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_the_near_identical_stream_passes(case: Case) -> None:
    assert findings_of(case.passing) == []


def test_every_rule_has_a_case() -> None:
    assert {rule.code for rule in RULES} == {case.code for case in CASES}


def test_the_rules_cover_the_receivers_codes() -> None:
    receivers_codes = {50004, *range(50008, 50013), *range(60000, 60024), *range(80000, 80016), 98001, 98002}
    receivers_codes |= set(range(98101, 98108))  # DPI's own checks (exchange/validation/rules/dpi.py)
    receivers_codes |= set(range(98201, 98205))  # CbC's (exchange/validation/rules/cbc.py)
    receivers_codes |= set(range(98301, 98305))  # domestic submissions' (exchange/submissions/rules.py)
    assert {rule.code for rule in RULES} == receivers_codes
