"""What a flag rule is: one code, one name, one sentence of why it matters, a severity, the settings
that hold its thresholds, the evidence it stores, and the check that decides it.

Rules come in three scopes, by what they need to see at once:
- `account`: one live account report (its current version) with its parties and their matches;
- `taxpayer`: one taxpayer in one reporting year, every live account they hold across senders;
- `institution`: one reporting financial institution of one sender in one reporting year.

A check yields `Hit`s; the evaluation turns them into flags that follow the data.

A balance that a record error disputes (record_errors.py) reaches a check as None: every rule says in
`on_record_error` what it does then, and adds the codes to the evidence (`record_errors`) of a hit the
record's balance would have fed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any, Generic, TypeVar, overload

from exchange.anomalies.facts import AccountFacts, InstitutionFacts, TaxpayerYearFacts
from exchange.anomalies.report_facts import GroupFacts, PlatformYearFacts
from exchange.settings import Settings


class Severity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"

    @property
    def points(self) -> int:
        """What one flag of this severity adds to its taxpayer's risk (out of 100, see scores.py)."""
        return _POINTS[self]


_POINTS = {Severity.LOW: 10, Severity.MEDIUM: 30, Severity.HIGH: 60}


class Scope(StrEnum):
    ACCOUNT = "account"
    TAXPAYER = "taxpayer"
    INSTITUTION = "institution"
    PLATFORM = "platform"  # one taxpayer in one year, every live DPI seller matched to them
    GROUP = "group"  # one multinational group's CbC report of one sender and year


@dataclass(frozen=True, slots=True)
class Hit:
    """One firing of a rule: whom it concerns, its main amount, and the facts that fired it.

    `subject` tells several hits of one rule in one scope apart (a party of the account, a kind of
    income); amounts in `evidence` are strings, so the evidence reads back exactly as it was stored.
    """

    evidence: Mapping[str, Any]
    subject: str = ""
    taxpayer_id: int | None = None
    party_id: int | None = None
    amount: Decimal | None = None
    currency: str | None = None
    sender: str | None = None  # taxpayer rules: the one sender behind the hit, when there is one


def sole(senders: Iterable[str]) -> str | None:
    """The sender when all of a hit's accounts come from one; None when several share it."""
    distinct = set(senders)
    return distinct.pop() if len(distinct) == 1 else None


F = TypeVar("F", AccountFacts, TaxpayerYearFacts, InstitutionFacts, PlatformYearFacts, GroupFacts)
Check = Callable[[F, Settings], Iterable[Hit]]


@dataclass(frozen=True)
class FlagRule(Generic[F]):
    code: str
    name: str  # short, stable, kebab-case
    why: str  # one sentence: why an analyst should care
    severity: Severity
    scope: Scope
    thresholds: tuple[str, ...]  # names of the Settings fields the check reads
    evidence: tuple[str, ...]  # the keys of every hit's evidence
    on_record_error: str  # one sentence: what it does with a balance a record error disputes
    check: Check[F]

    def describe(self, settings: Settings) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "why": self.why,
            "severity": self.severity.value,
            "points": self.severity.points,
            "scope": self.scope.value,
            "thresholds": {name: _plain(getattr(settings, name)) for name in self.thresholds},
            "evidence": list(self.evidence),
            "on_record_error": self.on_record_error,
        }


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


@dataclass(frozen=True)
class About:
    """The declarative half of a rule, shared by the three decorators below."""

    code: str
    name: str
    why: str
    severity: Severity
    evidence: tuple[str, ...]
    on_record_error: str
    thresholds: tuple[str, ...] = ()


def _declare(about: About, scope: Scope, check: Check[F]) -> FlagRule[F]:
    return FlagRule(
        code=about.code,
        name=about.name,
        why=about.why,
        severity=about.severity,
        scope=scope,
        thresholds=about.thresholds,
        evidence=about.evidence,
        on_record_error=about.on_record_error,
        check=check,
    )


def account_rule(about: About) -> Callable[[Check[AccountFacts]], FlagRule[AccountFacts]]:
    def declare(check: Check[AccountFacts]) -> FlagRule[AccountFacts]:
        return _declare(about, Scope.ACCOUNT, check)

    return declare


def taxpayer_rule(about: About) -> Callable[[Check[TaxpayerYearFacts]], FlagRule[TaxpayerYearFacts]]:
    def declare(check: Check[TaxpayerYearFacts]) -> FlagRule[TaxpayerYearFacts]:
        return _declare(about, Scope.TAXPAYER, check)

    return declare


def institution_rule(
    about: About,
) -> Callable[[Check[InstitutionFacts]], FlagRule[InstitutionFacts]]:
    def declare(check: Check[InstitutionFacts]) -> FlagRule[InstitutionFacts]:
        return _declare(about, Scope.INSTITUTION, check)

    return declare


def platform_rule(about: About) -> Callable[[Check[PlatformYearFacts]], FlagRule[PlatformYearFacts]]:
    def declare(check: Check[PlatformYearFacts]) -> FlagRule[PlatformYearFacts]:
        return _declare(about, Scope.PLATFORM, check)

    return declare


def group_rule(about: About) -> Callable[[Check[GroupFacts]], FlagRule[GroupFacts]]:
    def declare(check: Check[GroupFacts]) -> FlagRule[GroupFacts]:
        return _declare(about, Scope.GROUP, check)

    return declare


@overload
def money(value: Decimal) -> str: ...
@overload
def money(value: Decimal | None) -> str | None: ...
def money(value: Decimal | None) -> str | None:
    """An amount as evidence: exact text with two decimals; None for a balance a record error disputes."""
    return None if value is None else f"{value:.2f}"
