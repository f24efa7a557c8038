"""Flag events for case management: what the evaluation returns and the outbox keeps.

An event carries what a case-management system needs to open, update or close a case, and nothing
that identifies a person outside the tax administration: the internal taxpayer id, never a TIN, a
name or an address. It is published keyed by taxpayer id, so one taxpayer's events stay in order;
a flag about no known taxpayer (an unmatched person, an institution) is keyed by its scope.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, Engine, select, update
from sqlalchemy.orm import Session

from exchange.anomalies.models import FlagEventRow
from exchange.reconcile.db_source import chunked


class EventType(StrEnum):
    RAISED = "raised"  # a new flag, or one retracted earlier that the data now supports again
    UPDATED = "updated"  # still raised, with another amount or currency
    RETRACTED = "retracted"  # the data no longer supports it (a correction, a deletion)


@dataclass(frozen=True, slots=True)
class FlagEvent:
    event_id: int
    event: EventType
    flag_id: int
    code: str
    name: str
    severity: str
    score: int  # the flag's points
    taxpayer_id: int | None
    taxpayer_score: float | None  # the taxpayer's combined risk after this change
    sender: str | None
    reporting_year: int | None
    amount: Decimal | None
    currency: str | None
    file_id: int | None  # the file whose evaluation caused the event, None for a full evaluation
    scope: str  # account:<chain>, taxpayer:<id>:<year> or institution:<sender>:<key>:<year>
    at: datetime

    @property
    def key(self) -> str:
        """The Kafka key: the taxpayer id, or the scope for a flag about no known taxpayer."""
        return str(self.taxpayer_id) if self.taxpayer_id is not None else self.scope

    def to_dict(self) -> dict[str, Any]:
        return {
            "event_id": self.event_id,
            "event": self.event.value,
            "flag_id": self.flag_id,
            "code": self.code,
            "name": self.name,
            "severity": self.severity,
            "score": self.score,
            "taxpayer_id": self.taxpayer_id,
            "taxpayer_score": self.taxpayer_score,
            "sender": self.sender,
            "reporting_year": self.reporting_year,
            "amount": None if self.amount is None else f"{self.amount:.2f}",
            "currency": self.currency,
            "file_id": self.file_id,
            "scope": self.scope,
            "at": self.at.isoformat(),
        }

    def to_json(self) -> bytes:
        return json.dumps(self.to_dict(), sort_keys=True).encode()

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FlagEvent:
        amount = data.get("amount")
        return cls(
            event_id=data["event_id"],
            event=EventType(data["event"]),
            flag_id=data["flag_id"],
            code=data["code"],
            name=data["name"],
            severity=data["severity"],
            score=data["score"],
            taxpayer_id=data["taxpayer_id"],
            taxpayer_score=data["taxpayer_score"],
            sender=data["sender"],
            reporting_year=data["reporting_year"],
            amount=None if amount is None else Decimal(amount),
            currency=data["currency"],
            file_id=data["file_id"],
            scope=data["scope"],
            at=datetime.fromisoformat(data["at"]),
        )


@dataclass(frozen=True)
class OutboxSpan:
    """The outbox rows of one evaluation, from its first event to its last. Evaluations take turns
    (transaction.py) and nothing else writes the outbox, so every row in between is the evaluation's."""

    engine: Engine
    first_id: int
    last_id: int

    def read(self) -> tuple[FlagEvent, ...]:
        with self.engine.connect() as connection:
            return events_between(connection, self.first_id, self.last_id)


@dataclass(frozen=True)
class FlagChanges:
    """What one evaluation changed, in the order the events were recorded.

    An evaluation with few events keeps them here (`kept`). One with many leaves them in the outbox
    only (`outbox`, with exact `totals`): holding every event of a 100k-report file would cost memory in
    proportion to the file, and the pipeline publishes from the outbox anyway. `events` then reads them
    back, at the memory cost its caller chooses to pay.
    """

    kept: tuple[FlagEvent, ...] = ()
    outbox: OutboxSpan | None = None
    totals: Mapping[str, int] | None = None  # by event type, when the events stayed in the outbox

    @property
    def events(self) -> tuple[FlagEvent, ...]:
        return self.outbox.read() if self.outbox is not None else self.kept

    def of(self, event: EventType) -> tuple[FlagEvent, ...]:
        return tuple(e for e in self.events if e.event is event)

    @property
    def raised(self) -> tuple[FlagEvent, ...]:
        return self.of(EventType.RAISED)

    @property
    def updated(self) -> tuple[FlagEvent, ...]:
        return self.of(EventType.UPDATED)

    @property
    def retracted(self) -> tuple[FlagEvent, ...]:
        return self.of(EventType.RETRACTED)

    def counts(self) -> dict[str, int]:
        if self.totals is not None:
            return {event.value: self.totals.get(event.value, 0) for event in EventType}
        return {event.value: len(self.of(event)) for event in EventType}

    def to_dict(self) -> dict[str, Any]:
        return {**self.counts(), "events": [event.to_dict() for event in self.events]}


def pending_events(engine: Engine, limit: int = 1000) -> list[FlagEvent]:
    """Events not yet marked published, oldest first: what to publish again after a crash."""
    query = (
        select(FlagEventRow.id, FlagEventRow.payload)
        .where(FlagEventRow.published_at.is_(None))
        .order_by(FlagEventRow.id)
        .limit(limit)
    )
    with engine.connect() as connection:
        return [_stored_event(event_id, payload) for event_id, payload in connection.execute(query)]


def events_between(connection: Connection, first_id: int, last_id: int) -> tuple[FlagEvent, ...]:
    """The outbox's events from `first_id` to `last_id`, published or not, oldest first."""
    query = (
        select(FlagEventRow.id, FlagEventRow.payload)
        .where(FlagEventRow.id.between(first_id, last_id))
        .order_by(FlagEventRow.id)
    )
    return tuple(_stored_event(event_id, payload) for event_id, payload in connection.execute(query))


def _stored_event(event_id: int, payload: dict[str, Any]) -> FlagEvent:
    return FlagEvent.from_dict({**payload, "event_id": event_id})


def mark_published(engine: Engine, event_ids: Collection[int], at: datetime | None = None) -> None:
    """Record that the broker acknowledged these events."""
    when = at or datetime.now(UTC)
    with Session(engine) as session, session.begin():
        for batch in chunked(sorted(event_ids)):
            session.execute(update(FlagEventRow).where(FlagEventRow.id.in_(batch)).values(published_at=when))


def outbox_rows(events: Sequence[FlagEvent]) -> list[dict[str, Any]]:
    return [
        {
            "flag_id": event.flag_id,
            "event": event.event.value,
            "payload": {k: v for k, v in event.to_dict().items() if k != "event_id"},
            "created_at": event.at,
        }
        for event in events
    ]
