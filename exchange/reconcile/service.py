"""Reconciling stored files: what the pipeline calls after storing a file, and the rematch after a
registry update. Decisions go to `party_match`, one row per reported party, replaced on each run."""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, Table, delete, insert, select

from exchange.collector import collector_paused
from exchange.errors import ExchangeError
from exchange.logs import get_logger
from exchange.reconcile.awaiting import registry_loaded
from exchange.reconcile.db_source import DatabaseSource, chunked
from exchange.reconcile.decisions import Decision, DecisionKind, MatchPolicy, Method
from exchange.reconcile.matcher import Matcher, Query, query_of_party
from exchange.reconcile.model import MODEL_VERSION
from exchange.reconcile.models import PartyMatch
from exchange.reconcile.training import store_model, train, trained_models
from exchange.records import TIN, Address, AddressFix, Name, Party, PartyKind
from exchange.settings import Settings
from exchange.store.models import AccountReportRow, PartyAddressRow, PartyNameRow, PartyRow, PartyTinRow
from exchange.store.value_lists import among

BATCH_PARTIES = 500
TRAINING_PARTIES = 50_000  # stored parties EM learns from: plenty for a dozen probabilities per field

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


_PARTY = PartyRow.__table__.c
_NAME = PartyNameRow.__table__.c
_TIN = PartyTinRow.__table__.c
_ADDRESS = PartyAddressRow.__table__.c
_REPORT = AccountReportRow.__table__.c
# Decisions are written through the table, not the mapped class: the ORM's bulk insert builds and
# inspects a mapping per row, which cost a sixth of reconciliation's time.
_MATCH_TABLE: Table = PartyMatch.__table__  # type: ignore[assignment]
_MATCH = _MATCH_TABLE.c


def _party_pages(connection: Connection, file_id: int) -> Iterator[list[tuple[int, Party]]]:
    """(party id, party) of every holder and controlling person of the file's account reports, a page
    at a time (keyset on the party id, so a large file never sits in memory whole): four Core queries
    per page, the parties built as plain records, no ORM object on the way."""
    last = 0
    while True:
        page = connection.execute(
            select(_PARTY.id, _PARTY.kind, _PARTY.birth_date)
            .join(AccountReportRow.__table__, _REPORT.id == _PARTY.account_report_id)
            .where(_REPORT.file_id == file_id, _PARTY.id > last)
            .order_by(_PARTY.id)
            .limit(BATCH_PARTIES)
        ).all()
        if not page:
            return
        ids = [row.id for row in page]
        names: dict[int, Name] = {}
        for n in connection.execute(
            select(_NAME.party_id, _NAME.full_name, _NAME.first_name, _NAME.middle_names)
            .add_columns(_NAME.last_name, _NAME.name_prefix)
            .where(among(connection, _NAME.party_id, ids))
            .order_by(_NAME.party_id, _NAME.position.desc())
        ):
            # Descending positions: the first name element is the one left in the dictionary.
            names[n.party_id] = Name(
                full=n.full_name,
                first=n.first_name,
                middle=tuple(n.middle_names or ()),
                last=n.last_name,
                name_prefix=n.name_prefix,
            )
        tins: dict[int, list[TIN]] = defaultdict(list)
        for t in connection.execute(
            select(_TIN.party_id, _TIN.value, _TIN.issued_by)
            .where(among(connection, _TIN.party_id, ids))
            .order_by(_TIN.party_id, _TIN.position)
        ):
            tins[t.party_id].append(TIN(t.value, t.issued_by))
        addresses: dict[int, list[Address]] = defaultdict(list)
        for a in connection.execute(
            select(_ADDRESS.party_id, _ADDRESS.country_code, _ADDRESS.address_free, _ADDRESS.city)
            .add_columns(_ADDRESS.street, _ADDRESS.building_identifier, _ADDRESS.post_code)
            .where(among(connection, _ADDRESS.party_id, ids))
            .order_by(_ADDRESS.party_id, _ADDRESS.position)
        ):
            fix = None
            if a.city is not None:  # AddressFix requires City: its absence means free text only
                fix = AddressFix(
                    a.city, street=a.street, building_identifier=a.building_identifier, post_code=a.post_code
                )
            addresses[a.party_id].append(Address(a.country_code, free=a.address_free, fix=fix))
        yield [
            (
                row.id,
                Party(
                    kind=PartyKind(row.kind),
                    names=(names[row.id],) if row.id in names else (),
                    tins=tuple(tins.get(row.id, ())),
                    addresses=tuple(addresses.get(row.id, ())),
                    birth_date=row.birth_date,
                ),
            )
            for row in page
        ]
        last = ids[-1]


def _row(
    file_id: int, party_id: int, decision: Decision, now: datetime, version: str = MODEL_VERSION
) -> dict[str, Any]:
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
        "model_version": version,
        "matched_at": now,
    }


def _store(
    connection: Connection, file_id: int, batch: Sequence[tuple[int, Party]], matcher: Matcher, home: str
) -> Counter[str]:
    queries = [query_of_party(position, party, home) for position, (_, party) in enumerate(batch)]
    decisions = matcher.match(queries)
    now = datetime.now(UTC)
    rows = [
        _row(file_id, party_id, d, now, matcher.version(queries[d.ref].profile.kind))
        for (party_id, _), d in zip(batch, decisions, strict=True)
    ]
    connection.execute(insert(_MATCH_TABLE), rows)
    return Counter(d.kind.value for d in decisions)


def reconcile_file(engine: Engine, file_id: int, settings: Settings) -> ReconcileSummary:
    """Match every reported party of a stored file to the registry, replacing earlier decisions. With an
    empty registry the parties are recorded as awaiting it instead (awaiting.py)."""
    started = time.monotonic()
    summary = ReconcileSummary(files=1)
    home = settings.home_jurisdiction
    with collector_paused(), engine.begin() as connection:
        connection.execute(delete(_MATCH_TABLE).where(_MATCH.file_id == file_id))
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
        matcher = Matcher(DatabaseSource(connection, home), policy_from(settings), trained_models(connection))
        for batch in _party_pages(connection, file_id):
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
        connection.execute(insert(_MATCH_TABLE), [_row(file_id, party, waiting, now) for party in batch])
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


def _training_queries(connection: Connection, home: str) -> list[Query]:
    """The first TRAINING_PARTIES stored parties, file by file, as the matcher reads them."""
    queries: list[Query] = []
    file_ids = connection.execute(
        select(AccountReportRow.file_id).distinct().order_by(AccountReportRow.file_id)
    )
    for file_id in file_ids.scalars().all():
        for batch in _party_pages(connection, file_id):
            queries += [query_of_party(len(queries) + i, party, home) for i, (_, party) in enumerate(batch)]
            if len(queries) >= TRAINING_PARTIES:
                return queries
    return queries


def train_models(engine: Engine, settings: Settings, seed: int = 0) -> dict[str, Any]:
    """Train the linkage model of each kind on the registry and the stored parties (EM, u from random
    pairs, the declared values as prior and fallback) and store each under a new version, which the
    decisions from then on use and name. Per kind: the version and what the training did."""
    home = settings.home_jurisdiction
    result: dict[str, Any] = {}
    with engine.begin() as connection:
        if not registry_loaded(connection):
            raise ExchangeError("no registry loaded: load it with `exchange registry load` before training")
        queries = _training_queries(connection, home)
        for kind in PartyKind:
            model, training = train(
                connection, home, kind, queries, seed=seed, max_block_size=settings.reconcile_max_block_size
            )
            stored = store_model(connection, model, training)
            result[kind.value] = {"version": stored.version, **training.to_dict()}
    log.info("linkage models trained", versions={kind: r["version"] for kind, r in result.items()})
    return result
