"""Reconciling stored files: what the pipeline calls after storing a file, and the rematch after a
registry update. Decisions go to `party_match`, one row per reported party, replaced on each run."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, delete, insert, select
from sqlalchemy.orm import Session, selectinload

from exchange.logs import get_logger
from exchange.reconcile.awaiting import registry_loaded
from exchange.reconcile.db_source import DatabaseSource, chunked
from exchange.reconcile.decisions import Decision, DecisionKind, MatchPolicy, Method
from exchange.reconcile.matcher import Matcher, query_of_party
from exchange.reconcile.model import MODEL_VERSION
from exchange.reconcile.models import PartyMatch
from exchange.records import Party
from exchange.settings import Settings
from exchange.store.models import AccountReportRow, PartyRow
from exchange.store.queries import to_account_report

BATCH_PARTIES = 500
_REPORTS_PER_PAGE = 500

log = get_logger(__name__)


@dataclass
class ReconcileSummary:
    files: int = 0
    parties: int = 0
    decisions: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0

    def add(self, other: ReconcileSummary) -> None:
        self.files += other.files
        self.parties += other.parties
        self.decisions.update(other.decisions)
        self.seconds += other.seconds

    def to_dict(self) -> dict[str, Any]:
        return {
            "files": self.files,
            "parties": self.parties,
            **{kind.value: self.decisions.get(kind.value, 0) for kind in DecisionKind},
            "seconds": round(self.seconds, 3),
        }


def policy_from(settings: Settings) -> MatchPolicy:
    return MatchPolicy(
        match_probability=settings.reconcile_match_probability,
        candidate_probability=settings.reconcile_candidate_probability,
        max_candidates=settings.reconcile_max_candidates,
        max_block_size=settings.reconcile_max_block_size,
    )


def _reported_parties(connection: Connection, file_id: int) -> Iterator[tuple[int, Party]]:
    """(party id, party) of every holder and controlling person of the file's account reports, a page
    of reports at a time so a large file never sits in memory whole."""
    report_ids = connection.execute(
        select(AccountReportRow.id).where(AccountReportRow.file_id == file_id).order_by(AccountReportRow.id)
    ).scalars()
    parties = selectinload(AccountReportRow.parties)
    with Session(bind=connection) as session:
        for page in chunked(report_ids.all(), _REPORTS_PER_PAGE):
            query = (
                select(AccountReportRow)
                .where(AccountReportRow.id.in_(page))
                .order_by(AccountReportRow.id)
                .options(
                    selectinload(AccountReportRow.doc_record),
                    selectinload(AccountReportRow.payments),
                    parties.selectinload(PartyRow.names),
                    parties.selectinload(PartyRow.tins),
                    parties.selectinload(PartyRow.addresses),
                    parties.selectinload(PartyRow.residences),
                )
            )
            for row in session.scalars(query):
                report = to_account_report(row)
                yield from zip(
                    (party.id for party in row.parties),
                    (report.holder, *report.controlling_persons),
                    strict=True,
                )
            session.expunge_all()


def _row(file_id: int, party_id: int, decision: Decision, now: datetime) -> dict[str, Any]:
    return {
        "party_id": party_id,
        "file_id": file_id,
        "decision": decision.kind.value,
        "method": decision.method.value,
        "taxpayer_id": decision.taxpayer_id,
        "match_weight": None if decision.match_weight is None else round(decision.match_weight, 4),
        "probability": decision.probability,
        "explanation": decision.explanation,
        "candidates": [candidate.to_dict() for candidate in decision.candidates],
        "model_version": MODEL_VERSION,
        "matched_at": now,
    }


def _store(
    connection: Connection, file_id: int, batch: Sequence[tuple[int, Party]], matcher: Matcher, home: str
) -> Counter[str]:
    queries = [query_of_party(position, party, home) for position, (_, party) in enumerate(batch)]
    decisions = matcher.match(queries)
    now = datetime.now(UTC)
    rows = [_row(file_id, party_id, d, now) for (party_id, _), d in zip(batch, decisions, strict=True)]
    connection.execute(insert(PartyMatch), rows)
    return Counter(d.kind.value for d in decisions)


def reconcile_file(engine: Engine, file_id: int, settings: Settings) -> ReconcileSummary:
    """Match every reported party of a stored file to the registry, replacing earlier decisions. With an
    empty registry the parties are recorded as awaiting it instead (awaiting.py)."""
    started = time.monotonic()
    summary = ReconcileSummary(files=1)
    home = settings.home_jurisdiction
    with engine.begin() as connection:
        connection.execute(delete(PartyMatch).where(PartyMatch.file_id == file_id))
        if not registry_loaded(connection):
            summary.parties = _await_registry(connection, file_id)
            summary.decisions[DecisionKind.AWAITING.value] = summary.parties
            summary.seconds = time.monotonic() - started
            log.warning(
                "no registry loaded: the file's parties await reconciliation",
                file_id=file_id,
                parties=summary.parties,
            )
            return summary
        matcher = Matcher(DatabaseSource(connection, home), policy_from(settings))
        batch: list[tuple[int, Party]] = []
        for item in _reported_parties(connection, file_id):
            batch.append(item)
            if len(batch) == BATCH_PARTIES:
                summary.decisions.update(_store(connection, file_id, batch, matcher, home))
                summary.parties += len(batch)
                batch = []
        if batch:
            summary.decisions.update(_store(connection, file_id, batch, matcher, home))
            summary.parties += len(batch)
    summary.seconds = time.monotonic() - started
    log.info("file reconciled", file_id=file_id, **summary.to_dict())
    return summary


def _await_registry(connection: Connection, file_id: int) -> int:
    """Record every reported party of the file as awaiting the registry; how many there are."""
    parties = connection.execute(
        select(PartyRow.id)
        .join(AccountReportRow, AccountReportRow.id == PartyRow.account_report_id)
        .where(AccountReportRow.file_id == file_id)
        .order_by(PartyRow.id)
    ).scalars()
    waiting = Decision(ref=0, kind=DecisionKind.AWAITING, method=Method.NONE)
    now = datetime.now(UTC)
    count = 0
    for batch in chunked(parties.all(), BATCH_PARTIES):
        connection.execute(insert(PartyMatch), [_row(file_id, party, waiting, now) for party in batch])
        count += len(batch)
    return count


def files_with_reports(engine: Engine) -> list[int]:
    with engine.connect() as connection:
        query = select(AccountReportRow.file_id).distinct().order_by(AccountReportRow.file_id)
        return list(connection.execute(query).scalars())


def rematch(engine: Engine, settings: Settings, file_ids: Sequence[int] | None = None) -> ReconcileSummary:
    """Reconcile again every stored file (or those given): what a registry update calls for."""
    total = ReconcileSummary()
    for file_id in file_ids if file_ids is not None else files_with_reports(engine):
        total.add(reconcile_file(engine, file_id, settings))
    log.info("rematch done", **total.to_dict())
    return total
