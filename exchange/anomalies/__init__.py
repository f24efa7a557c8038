"""Flags: what does not add up between partners' reports, the domestic registry and the returns.

Every rule is one declaration (`exchange.anomalies.declarations.FlagRule`): code, name, one sentence of
why it matters, severity, the settings that hold its thresholds, and the evidence it stores;
`FLAG_RULES` holds them all. The pipeline calls `evaluate_file(engine, file_id, settings)` after a
file is stored and reconciled: flags follow the data (a correction re-evaluates them, a deletion
retracts them), a taxpayer's flags combine into a risk score (`risk_scores`), and each change is a
`FlagEvent` to publish on the flags topic, kept in an outbox until `mark_published`.
Analysts read them through `exchange flags` and the SQL views documented in README.md here.
"""

from __future__ import annotations

from exchange.anomalies.declarations import FlagRule, Hit, Scope, Severity
from exchange.anomalies.evaluate import evaluate_all, evaluate_file
from exchange.anomalies.events import (
    EventType,
    FlagChanges,
    FlagEvent,
    mark_published,
    pending_events,
)
from exchange.anomalies.rules import FLAG_RULES, rule_of
from exchange.anomalies.scores import RiskScore, combined_score, risk_scores

__all__ = [
    "FLAG_RULES",
    "EventType",
    "FlagChanges",
    "FlagEvent",
    "FlagRule",
    "Hit",
    "RiskScore",
    "Scope",
    "Severity",
    "combined_score",
    "evaluate_all",
    "evaluate_file",
    "mark_published",
    "pending_events",
    "risk_scores",
    "rule_of",
]
