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

import time
from collections import Counter
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, Table, bindparam, select, update

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
from exchange.anomalies.flag_rows import FlagRow, comparable_evidence, compare, stored_flags, write
from exchange.anomalies.institution_facts import Institution, institution_facts
from exchange.anomalies.models import Flag, FlagEventRow
from exchange.anomalies.report_flags import report_flag_changes
from exchange.anomalies.rules import ACCOUNT_RULES, INSTITUTION_RULES, TAXPAYER_RULES, rule_name
from exchange.anomalies.scopes import ScopeBatch, Worklist, worklist
from exchange.anomalies.scores import RiskScore, refresh_risk
from exchange.anomalies.taxpayer_facts import taxpayer_year_facts
from exchange.anomalies.transaction import evaluation_transaction, lock_taxpayers
from exchange.collector import collector_paused
from exchange.logs import get_logger
from exchange.reconcile.db_source import chunked
from exchange.settings import Settings
from exchange.store.ids import insert_with_ids
from exchange.store.models import ReceivedFile
from exchange.store.value_lists import among

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
            "evidence": comparable_evidence(hit.evidence),
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
    with collector_paused():
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
    with collector_paused():
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
    sender = None if file_id is None else _sender_of(engine, file_id)
    with evaluation_transaction(engine, sender) as connection, worklist(connection) as work:
        # Before any facts are read: a balance the file's record errors dispute must not feed a flag.
        note_disputed_balances(connection, file_id)
        if file_id is None:
            work.add_store()
        else:
            work.add_file(file_id)
        evaluation = _Evaluation(connection, work, settings, file_id)
        batches = evaluation.run(work.batches(batch_size))
        # The DPI and CbC scopes (report_flags.py), after the others, into the same outbox.
        changed, concerned = report_flag_changes(connection, file_id, settings, evaluation.now)
        evaluation.outbox.record(changed, refresh=concerned)
        return evaluation.outbox.changes(engine, keep_events), batches


def _sender_of(engine: Engine, file_id: int) -> str:
    """The file's sender, whose lock its evaluation takes ("" for no such file: it touches nothing)."""
    with engine.connect() as connection:
        sender = connection.execute(select(ReceivedFile.sender).where(ReceivedFile.id == file_id)).scalar()
    return sender or ""


class _Evaluation:
    """What one evaluation keeps across its batches: its time, its cohorts (computed once a year), and
    the outbox its events go to. Nothing in it grows with the number of scopes.

    Risk scores are refreshed with taxpayer years only, under their locks (transaction.py): a chain
    batch marks the taxpayers whose flags it changed, and their taxpayer years' batch refreshes them."""

    def __init__(
        self, connection: Connection, work: Worklist, settings: Settings, file_id: int | None
    ) -> None:
        self.connection = connection
        self.work = work
        self.settings = settings
        self.file_id = file_id
        self.now = datetime.now(UTC)
        self.cohorts = Cohorts(connection, settings)
        self.outbox = _Outbox(connection, file_id, self.now)

    def run(self, batches: Iterable[ScopeBatch]) -> int:
        """Evaluate batch after batch; how many there were."""
        done = 0
        for batch in batches:
            self._evaluate(batch)
            done += 1
        return done

    def _evaluate(self, batch: ScopeBatch) -> None:
        if batch.taxpayer_years:
            lock_taxpayers(self.connection, {t for t, _ in batch.taxpayer_years})
        desired = _by_fingerprint(desired_flags(self.connection, batch, self.settings, self.cohorts))
        stored = stored_flags(self.connection, batch.keys())
        changed = write(self.connection, compare(stored, desired, self.file_id, self.now))
        concerned = {flag.taxpayer_id for _, flag in changed if flag.taxpayer_id is not None}
        if batch.chains:
            self.work.mark_stale_risk(concerned)
            self.outbox.record(changed, refresh=())
        else:
            self.outbox.record(changed, refresh=concerned | batch.stale_risk)


def _by_fingerprint(desired: Iterable[Desired]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for want in desired:
        fingerprint = want.fingerprint
        if fingerprint in found:
            raise RuntimeError(f"rule {want.rule.code} fired twice on one subject: give its hits a subject")
        found[fingerprint] = want.columns()
    return found


class _Outbox:
    """The evaluation's events, written batch by batch with the risk scores they carry. They are counted
    here, not kept: the outbox holds them, and the evaluation returns them only when they are few."""

    def __init__(self, connection: Connection, file_id: int | None, now: datetime) -> None:
        self.connection = connection
        self.file_id = file_id
        self.now = now
        self.first_id: int | None = None
        self.last_id: int | None = None
        self.totals: Counter[str] = Counter()

    def record(self, changed: list[tuple[EventType, FlagRow]], refresh: Collection[int]) -> None:
        """Refresh the risk of the taxpayers in `refresh`, restate the events already written about them,
        and write one event per change (about a taxpayer not refreshed: without a score yet)."""
        scores = refresh_risk(self.connection, refresh, self.now) if refresh else {}
        self._restate(scores)
        if not changed:
            return
        drafts = [_event(event, flag, scores, self.file_id, self.now) for event, flag in changed]
        ids = insert_with_ids(self.connection, _EVENTS, outbox_rows(drafts))
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
                .where(FlagEventRow.id >= self.first_id, among(self.connection, Flag.taxpayer_id, batch))
            )
            stale = [
                {"b_id": event_id, "payload": {**payload, "taxpayer_score": scores[taxpayer].score}}
                for event_id, payload, taxpayer in self.connection.execute(query)
                if taxpayer is not None and payload["taxpayer_score"] != scores[taxpayer].score
            ]
            if stale:
                self.connection.execute(_RESTATE, stale)

    def changes(self, engine: Engine, keep: int) -> FlagChanges:
        if self.first_id is None or self.last_id is None:
            return FlagChanges()
        if sum(self.totals.values()) <= keep:
            return FlagChanges(events_between(self.connection, self.first_id, self.last_id))
        span = OutboxSpan(engine, self.first_id, self.last_id)
        return FlagChanges(outbox=span, totals=dict(self.totals))


_EVENTS: Table = FlagEventRow.__table__  # type: ignore[assignment]
_RESTATE = update(_EVENTS).where(_EVENTS.c.id == bindparam("b_id")).values(payload=bindparam("payload"))


def _event(
    event: EventType, flag: FlagRow, scores: dict[int, RiskScore], file_id: int | None, now: datetime
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
