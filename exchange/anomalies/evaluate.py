"""Evaluating flags: the rules run over the scopes a file touches, and the flags follow the data.

For every scope looked at, the flags the rules fire now are compared with the flags stored for it, by
fingerprint (rule, scope, subject, taxpayer): a new one is raised, a retracted one the data supports
again is raised again, one whose amount changed is updated, and one the rules no longer fire (after a
correction or a deletion) is retracted. Nothing else is written, so evaluating the same data twice
changes nothing and yields no event. Each change becomes an event, stored in the outbox in the same
transaction and returned for publishing.
"""

from __future__ import annotations

import json
import time
from collections.abc import Collection, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, insert, select
from sqlalchemy.orm import Session

from exchange.anomalies.account_facts import account_facts
from exchange.anomalies.declarations import FlagRule, Hit
from exchange.anomalies.events import EventType, FlagChanges, FlagEvent, outbox_rows
from exchange.anomalies.institution_facts import Institution, institution_facts
from exchange.anomalies.models import Flag, FlagEventRow
from exchange.anomalies.rules import ACCOUNT_RULES, INSTITUTION_RULES, TAXPAYER_RULES, rule_name
from exchange.anomalies.scopes import Scopes, all_scopes, scopes_of_file
from exchange.anomalies.scores import RiskScore, refresh_risk
from exchange.anomalies.taxpayer_facts import taxpayer_year_facts
from exchange.anomalies.transaction import evaluation_session
from exchange.logs import get_logger
from exchange.reconcile.db_source import chunked
from exchange.settings import Settings

RAISED, RETRACTED = "raised", "retracted"
# A change to these is news for case management; other columns (evidence, the report version that
# fired it) are kept current without an event.
_NEWSWORTHY = ("amount", "currency")

log = get_logger(__name__)


@dataclass(frozen=True)
class Desired:
    """A flag the rules fire now, with where it stands."""

    rule: FlagRule[Any]
    scope_key: str
    hit: Hit
    sender: str | None
    year: int | None
    account_report_id: int | None = None
    institution: str | None = None

    @property
    def fingerprint(self) -> str:
        taxpayer = "" if self.hit.taxpayer_id is None else str(self.hit.taxpayer_id)
        return "|".join((self.rule.code, self.scope_key, self.hit.subject, taxpayer))

    def columns(self) -> dict[str, Any]:
        hit = self.hit
        return {
            "code": self.rule.code,
            "scope_key": self.scope_key,
            "severity": self.rule.severity.value,
            "score": self.rule.severity.points,
            "taxpayer_id": hit.taxpayer_id,
            "party_id": hit.party_id,
            "account_report_id": self.account_report_id,
            "sender": self.sender,
            "reporting_year": self.year,
            "institution": self.institution,
            "amount": hit.amount,
            "currency": hit.currency,
            # As the JSON column reads it back, so that comparing with a stored flag is exact.
            "evidence": json.loads(json.dumps(hit.evidence, sort_keys=True)),
        }


def desired_flags(connection: Connection, scopes: Scopes, settings: Settings) -> Iterator[Desired]:
    yield from _account_flags(connection, scopes.chains, settings)
    yield from _taxpayer_flags(connection, scopes.taxpayer_years, settings)
    yield from _institution_flags(connection, scopes.institutions, settings)


def _account_flags(connection: Connection, chains: Collection[int], settings: Settings) -> Iterator[Desired]:
    for account in account_facts(connection, chains):
        institution = account.institution.key if account.institution else None
        for rule in ACCOUNT_RULES:
            for hit in rule.check(account, settings):
                yield Desired(
                    rule, account.scope_key, hit, account.sender, account.year, account.account_report_id,
                    institution,
                )  # fmt: skip


def _taxpayer_flags(
    connection: Connection, taxpayer_years: Collection[tuple[int, int]], settings: Settings
) -> Iterator[Desired]:
    for facts in taxpayer_year_facts(connection, taxpayer_years, settings):
        for rule in TAXPAYER_RULES:
            for hit in rule.check(facts, settings):
                yield Desired(rule, facts.scope_key, hit, hit.sender, facts.year)


def _institution_flags(
    connection: Connection, institutions: Collection[Institution], settings: Settings
) -> Iterator[Desired]:
    for fi in institution_facts(connection, institutions):
        for rule in INSTITUTION_RULES:
            for hit in rule.check(fi, settings):
                yield Desired(rule, fi.scope_key, hit, fi.sender, fi.year, institution=fi.key)


def evaluate_file(engine: Engine, file_id: int, settings: Settings) -> FlagChanges:
    """(Re)evaluate the flags of everything a stored, reconciled file touches; return the changes."""
    started = time.monotonic()
    with evaluation_session(engine) as session:
        scopes = scopes_of_file(session.connection(), file_id)
        changes = _evaluate(session, scopes, settings, file_id)
    log.info(
        "file flagged", file_id=file_id, **changes.counts(), seconds=round(time.monotonic() - started, 3)
    )
    return changes


def evaluate_all(engine: Engine, settings: Settings) -> FlagChanges:
    """Evaluate every scope of the store: after a registry update and rematch, or a change of thresholds."""
    started = time.monotonic()
    with evaluation_session(engine) as session:
        changes = _evaluate(session, all_scopes(session.connection()), settings, None)
    log.info("store flagged", **changes.counts(), seconds=round(time.monotonic() - started, 3))
    return changes


def _evaluate(session: Session, scopes: Scopes, settings: Settings, file_id: int | None) -> FlagChanges:
    desired: dict[str, Desired] = {}
    for want in desired_flags(session.connection(), scopes, settings):
        if want.fingerprint in desired:
            raise RuntimeError(f"rule {want.rule.code} fired twice on one subject: give its hits a subject")
        desired[want.fingerprint] = want
    stored = _stored_flags(session, scopes.keys())
    now = datetime.now(UTC)
    changed: list[tuple[EventType, Flag]] = []
    for fingerprint, flag in stored.items():
        if fingerprint not in desired and flag.state == RAISED:
            flag.state, flag.retracted_at, flag.updated_at, flag.file_id = RETRACTED, now, now, file_id
            changed.append((EventType.RETRACTED, flag))
    for fingerprint, want in desired.items():
        event = _apply(session, stored.get(fingerprint), want, file_id, now)
        if event is not None:
            changed.append(event)
    session.flush()
    scores = refresh_risk(session, {flag.taxpayer_id for _, flag in changed if flag.taxpayer_id is not None})
    return FlagChanges(_record_events(session, changed, scores, file_id, now))


def _apply(
    session: Session, flag: Flag | None, want: Desired, file_id: int | None, now: datetime
) -> tuple[EventType, Flag] | None:
    """Bring one stored flag in line with what the rules fire now; the event it is news for, if any."""
    columns = want.columns()
    if flag is None:
        flag = Flag(
            fingerprint=want.fingerprint, state=RAISED, file_id=file_id, raised_at=now, updated_at=now
        )
        _assign(flag, columns)
        session.add(flag)
        return EventType.RAISED, flag
    differs = [name for name, value in columns.items() if getattr(flag, name) != value]
    if flag.state == RAISED and not differs:
        return None
    newsworthy = any(name in _NEWSWORTHY for name in differs)
    _assign(flag, columns)
    flag.file_id, flag.updated_at = file_id, now
    if flag.state == RETRACTED:
        flag.state, flag.raised_at, flag.retracted_at = RAISED, now, None
        return EventType.RAISED, flag
    return (EventType.UPDATED, flag) if newsworthy else None


def _assign(flag: Flag, columns: dict[str, Any]) -> None:
    for name, value in columns.items():
        setattr(flag, name, value)


def _stored_flags(session: Session, scope_keys: Collection[str]) -> dict[str, Flag]:
    stored: dict[str, Flag] = {}
    for batch in chunked(sorted(scope_keys)):
        stored.update(
            {
                flag.fingerprint: flag
                for flag in session.scalars(select(Flag).where(Flag.scope_key.in_(batch)))
            }
        )
    return stored


def _record_events(
    session: Session,
    changed: list[tuple[EventType, Flag]],
    scores: dict[int, RiskScore],
    file_id: int | None,
    now: datetime,
) -> tuple[FlagEvent, ...]:
    drafts = [_event(event, flag, scores, file_id, now) for event, flag in changed]
    if not drafts:
        return ()
    ids = session.execute(
        insert(FlagEventRow).returning(FlagEventRow.id, sort_by_parameter_order=True), outbox_rows(drafts)
    ).scalars()
    return tuple(replace(draft, event_id=event_id) for draft, event_id in zip(drafts, ids, strict=True))


def _event(
    event: EventType, flag: Flag, scores: dict[int, RiskScore], file_id: int | None, now: datetime
) -> FlagEvent:
    score = scores.get(flag.taxpayer_id) if flag.taxpayer_id is not None else None
    return FlagEvent(
        event_id=0,  # the outbox row's id, known once it is written
        event=event,
        flag_id=flag.id,
        code=flag.code,
        name=rule_name(flag.code),
        severity=flag.severity,
        score=flag.score,
        taxpayer_id=flag.taxpayer_id,
        taxpayer_score=score.score if score is not None else None,
        sender=flag.sender,
        reporting_year=flag.reporting_year,
        amount=flag.amount,
        currency=flag.currency,
        file_id=file_id,
        scope=flag.scope_key,
        at=now,
    )
