"""Operators' decisions on dead letters (table `dlq_decision`): each record is redriven or discarded once.

A dead letter is named by its place in the dead-letter topic (partition, offset) and its timestamp:
a topic deleted and created again (a broker restarted empty) reuses places, and a decision about the
record that was there must not silence the new one. The unique key makes "once" hold between two
operators acting at the same moment: the second insert fails, whichever engine.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Connection, Engine, Integer, String, Text, UniqueConstraint, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from exchange.errors import ExchangeError
from exchange.models import Base
from exchange.store.types import Id


class Decision(StrEnum):
    REDRIVEN = "redriven"  # published back to the inbound topic
    DISCARDED = "discarded"  # let go, with the operator's reason


class DeadLetterDecision(Base):
    __tablename__ = "dlq_decision"
    __table_args__ = (
        UniqueConstraint("topic", "record_partition", "record_offset", "record_time", name="uq_dlq_decision"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    topic: Mapped[str] = mapped_column(String)
    record_partition: Mapped[int] = mapped_column(Integer)
    record_offset: Mapped[int] = mapped_column(BigInteger)
    record_time: Mapped[int] = mapped_column(BigInteger)  # the record's timestamp, ms since the epoch
    decision: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String)
    at: Mapped[datetime] = mapped_column()
    reason: Mapped[str | None] = mapped_column(Text)


@dataclass(frozen=True)
class RecordKey:
    topic: str
    partition: int
    offset: int
    timestamp_ms: int

    @property
    def subject(self) -> str:
        """How the audit trail names it: topic/partition/offset."""
        return f"{self.topic}/{self.partition}/{self.offset}"


@dataclass(frozen=True)
class DecisionMade:
    decision: Decision
    actor: str
    at: datetime
    reason: str | None


class AlreadyDecidedError(ExchangeError):
    """The record was redriven or discarded before."""


def decisions(engine: Engine, topic: str) -> dict[RecordKey, DecisionMade]:
    table = DeadLetterDecision.__table__.c
    query = select(DeadLetterDecision.__table__).where(table.topic == topic)
    with engine.connect() as connection:
        return {
            RecordKey(row.topic, row.record_partition, row.record_offset, row.record_time): DecisionMade(
                Decision(row.decision), row.actor, row.at, row.reason
            )
            for row in connection.execute(query)
        }


def decide(
    connection: Connection, key: RecordKey, decision: Decision, actor: str, reason: str | None = None
) -> None:
    """Record the decision in the caller's transaction, to be committed once the decision took effect
    (a redrive: once the broker has the record); AlreadyDecidedError when the record has one already."""
    try:
        connection.execute(
            insert(DeadLetterDecision).values(
                topic=key.topic,
                record_partition=key.partition,
                record_offset=key.offset,
                record_time=key.timestamp_ms,
                decision=decision.value,
                actor=actor,
                at=datetime.now(UTC),
                reason=reason,
            )
        )
    except IntegrityError:  # the transaction is spoilt: the caller's `begin()` block rolls it back
        raise AlreadyDecidedError(f"{key.subject} was decided already") from None
