"""Evaluating flags: the rules run over the scopes a file touches, and the flags follow the data.

For every scope looked at, the flags the rules fire now are compared with the flags stored for it, by
fingerprint (rule, scope, subject, taxpayer): a new one is raised, a retracted one the data supports
again is raised again, one whose amount changed is updated, and one the rules no longer fire (after a
correction or a deletion) is retracted. Nothing else is written, so evaluating the same data twice
changes nothing and yields no event. Each change becomes an event, stored in the outbox in the same
transaction.

Scopes are evaluated in batches (`SCOPES_PER_BATCH`): a batch's facts, desired and stored flags are in
memory together, then written and dropped, so the memory an evaluation needs does not grow with the
file. All batches share the evaluation's one transaction (transaction.py), so a crash leaves no file
half evaluated. A taxpayer's risk score counts flags of several batches (their accounts, their year):
each event carries the score after the whole evaluation, because an event written by an earlier batch
is restated when a later batch changes its taxpayer's score.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update
from sqlalchemy.orm import Session

from exchange.anomalies.account_facts import account_facts
from exchange.anomalies.cohort_facts import Cohorts
from exchange.anomalies.declarations import FlagRule, Hit
from exchange.anomalies.disputed import note_disputed_balances
from exchange.anomalies.events import (
    EventType,
    FlagChanges,
    FlagEvent,
    OutboxSpan,
    events_between,
    outbox_rows,
)
from exchange.anomalies.institution_facts import Institution, institution_facts
from exchange.anomalies.models import Flag, FlagEventRow
from exchange.anomalies.rules import ACCOUNT_RULES, INSTITUTION_RULES, TAXPAYER_RULES, rule_name
from exchange.anomalies.scopes import ScopeBatch, worklist
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
# Scopes per batch. A chain with its facts and flags takes a few KiB while its batch is evaluated; two
# thousand keep a batch within tens of MiB and the queries per batch few.
SCOPES_PER_BATCH = 2000
# Events an evaluation returns itself; beyond that they stay in the outbox (events.FlagChanges).
KEPT_EVENTS = 1000

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


def desired_flags(
    connection: Connection, scopes: ScopeBatch, settings: Settings, cohorts: Cohorts | None = None
) -> Iterator[Desired]:
    yield from _account_flags(connection, scopes.chains, settings)
    yield from _taxpayer_flags(connection, scopes.taxpayer_years, settings, cohorts)
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
    connection: Connection,
    taxpayer_years: Collection[tuple[int, int]],
    settings: Settings,
    cohorts: Cohorts | None,
) -> Iterator[Desired]:
    for facts in taxpayer_year_facts(connection, taxpayer_years, settings, cohorts):
        for rule in TAXPAYER_RULES:
            for hit in rule.check(facts, settings):
                yield Desired(rule, facts.scope_key, hit, hit.sender, facts.year)


def _institution_flags(
    connection: Connection, institutions: Collection[Institution], settings: Settings
) -> Iterator[Desired]:
    if not institutions:  # spares a batch of chains or taxpayers the look-up of every FI of the senders
        return
    for fi in institution_facts(connection, institutions):
        for rule in INSTITUTION_RULES:
            for hit in rule.check(fi, settings):
                yield Desired(rule, fi.scope_key, hit, fi.sender, fi.year, institution=fi.key)


def evaluate_file(
    engine: Engine,
    file_id: int,
    settings: Settings,
    *,
    batch_size: int = SCOPES_PER_BATCH,
    keep_events: int = KEPT_EVENTS,
) -> FlagChanges:
    """(Re)evaluate the flags of everything a stored, reconciled file touches; return the changes: the
    events themselves when there are at most `keep_events`, else where they are in the outbox."""
    started = time.monotonic()
    changes, batches = _evaluate(engine, settings, file_id, batch_size, keep_events)
    log.info(
        "file flagged",
        file_id=file_id,
        **changes.counts(),
        batches=batches,
        seconds=round(time.monotonic() - started, 3),
    )
    return changes


def evaluate_all(
    engine: Engine,
    settings: Settings,
    *,
    batch_size: int = SCOPES_PER_BATCH,
    keep_events: int = KEPT_EVENTS,
) -> FlagChanges:
    """Evaluate every scope of the store: after a registry update and rematch, or a change of thresholds."""
    started = time.monotonic()
    changes, batches = _evaluate(engine, settings, None, batch_size, keep_events)
    log.info(
        "store flagged", **changes.counts(), batches=batches, seconds=round(time.monotonic() - started, 3)
    )
    return changes


def _evaluate(
    engine: Engine, settings: Settings, file_id: int | None, batch_size: int, keep_events: int
) -> tuple[FlagChanges, int]:
    """Evaluate a file's scopes (the store's, without a file) in one transaction; the changes and how
    many batches it took."""
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, not {batch_size}")
    with evaluation_session(engine) as session, worklist(session.connection()) as work:
        # Before any facts are read: a balance the file's record errors dispute must not feed a flag.
        note_disputed_balances(session.connection(), file_id)
        if file_id is None:
            work.add_store()
        else:
            work.add_file(file_id)
        evaluation = _Evaluation(session, settings, file_id)
        batches = evaluation.run(work.batches(batch_size))
        return evaluation.outbox.changes(engine, keep_events), batches


class _Evaluation:
    """What one evaluation keeps across its batches: its time, its cohorts (computed once a year), and
    the outbox its events go to. Nothing in it grows with the number of scopes."""

    def __init__(self, session: Session, settings: Settings, file_id: int | None) -> None:
        self.session = session
        self.settings = settings
        self.file_id = file_id
        self.now = datetime.now(UTC)
        self.cohorts = Cohorts(session.connection(), settings)
        self.outbox = _Outbox(session, file_id, self.now)

    def run(self, batches: Iterable[ScopeBatch]) -> int:
        """Evaluate batch after batch; how many there were."""
        done = 0
        for batch in batches:
            self._evaluate(batch)
            # The batch's flags are written: let them go, or the session would hold every flag seen.
            self.session.expunge_all()
            done += 1
        return done

    def _evaluate(self, batch: ScopeBatch) -> None:
        connection = self.session.connection()
        desired = _by_fingerprint(desired_flags(connection, batch, self.settings, self.cohorts))
        stored = _stored_flags(self.session, batch.keys())
        changed = _retract(stored, desired, self.file_id, self.now)
        for fingerprint, want in desired.items():
            event = _apply(self.session, stored.get(fingerprint), want, self.file_id, self.now)
            if event is not None:
                changed.append(event)
        self.session.flush()
        self.outbox.record(changed)


def _by_fingerprint(desired: Iterable[Desired]) -> dict[str, Desired]:
    found: dict[str, Desired] = {}
    for want in desired:
        if want.fingerprint in found:
            raise RuntimeError(f"rule {want.rule.code} fired twice on one subject: give its hits a subject")
        found[want.fingerprint] = want
    return found


def _retract(
    stored: dict[str, Flag], desired: dict[str, Desired], file_id: int | None, now: datetime
) -> list[tuple[EventType, Flag]]:
    """Retract the raised flags of the batch's scopes that the rules no longer fire."""
    retracted: list[tuple[EventType, Flag]] = []
    for fingerprint, flag in stored.items():
        if fingerprint not in desired and flag.state == RAISED:
            flag.state, flag.retracted_at, flag.updated_at, flag.file_id = RETRACTED, now, now, file_id
            retracted.append((EventType.RETRACTED, flag))
    return retracted


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


class _Outbox:
    """The evaluation's events, written batch by batch with the risk scores they carry. They are counted
    here, not kept: the outbox holds them, and the evaluation returns them only when they are few."""

    def __init__(self, session: Session, file_id: int | None, now: datetime) -> None:
        self.session = session
        self.file_id = file_id
        self.now = now
        self.first_id: int | None = None
        self.last_id: int | None = None
        self.totals: Counter[str] = Counter()

    def record(self, changed: list[tuple[EventType, Flag]]) -> None:
        """Refresh the risk of the taxpayers these changes concern and write one event per change."""
        if not changed:
            return
        taxpayers = {flag.taxpayer_id for _, flag in changed if flag.taxpayer_id is not None}
        scores = refresh_risk(self.session, taxpayers, self.now)
        self._restate(scores)
        drafts = [_event(event, flag, scores, self.file_id, self.now) for event, flag in changed]
        ids = list(
            self.session.execute(
                insert(FlagEventRow).returning(FlagEventRow.id, sort_by_parameter_order=True),
                outbox_rows(drafts),
            ).scalars()
        )
        self.first_id = ids[0] if self.first_id is None else self.first_id
        self.last_id = ids[-1]
        self.totals.update(draft.event.value for draft in drafts)

    def _restate(self, scores: dict[int, RiskScore]) -> None:
        """Bring the score that earlier events of this evaluation carry up to date with `scores`."""
        if self.first_id is None:
            return
        for batch in chunked(sorted(scores)):
            query = (
                select(FlagEventRow.id, FlagEventRow.payload, Flag.taxpayer_id)
                .join(Flag, Flag.id == FlagEventRow.flag_id)
                .where(FlagEventRow.id >= self.first_id, Flag.taxpayer_id.in_(batch))
            )
            stale = [
                {"id": event_id, "payload": {**payload, "taxpayer_score": scores[taxpayer].score}}
                for event_id, payload, taxpayer in self.session.execute(query)
                if taxpayer is not None and payload["taxpayer_score"] != scores[taxpayer].score
            ]
            if stale:
                self.session.execute(update(FlagEventRow), stale)

    def changes(self, engine: Engine, keep: int) -> FlagChanges:
        if self.first_id is None or self.last_id is None:
            return FlagChanges()
        if sum(self.totals.values()) <= keep:
            return FlagChanges(events_between(self.session.connection(), self.first_id, self.last_id))
        span = OutboxSpan(engine, self.first_id, self.last_id)
        return FlagChanges(outbox=span, totals=dict(self.totals))


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
