"""What the product sent (or should have sent) out, read back to publish it again: the status message
stored for each file, and the flag events of the outbox.

`exchange answers resend` reads here after a broker lost what it had acknowledged. The bytes are the
stored ones, so the receiver gets exactly what it got (or should have got) the first time.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import ColumnElement, Engine, and_, func, select, update

from exchange.anomalies.events import FlagEvent
from exchange.anomalies.models import FlagEventRow
from exchange.pipeline.answer import answer_filename
from exchange.states import Direction, FileState
from exchange.store.models import ReceivedFile, StatusMessageRow

# Files whose path is complete up to the answer. An answer stored for a file still being reconciled or
# flagged is left to the runner that holds it (marking it answered would skip those steps).
RESENDABLE_STATES = (FileState.FLAGGED, FileState.ANSWERED, FileState.REJECTED)


@dataclass(frozen=True)
class StoredAnswer:
    file_id: int
    recipient: str  # the sending jurisdiction, the key of its status record
    filename: str
    content: bytes
    sent_at: datetime | None


@dataclass(frozen=True)
class AnswerSelection:
    """Which answers: of these files, and/or sent (or, never sent, built) within the window; with
    neither, every answer never recorded as sent."""

    file_ids: tuple[int, ...] = ()
    since: datetime | None = None
    until: datetime | None = None

    @property
    def windowed(self) -> bool:
        return self.since is not None or self.until is not None


def _answer_filter(selection: AnswerSelection) -> ColumnElement[bool]:
    # Partners' answers only: an institution's answer is no packet and goes to its own topic.
    conditions: list[ColumnElement[bool]] = [
        ReceivedFile.state.in_(RESENDABLE_STATES),
        ReceivedFile.direction == Direction.RECEIVED.value,
    ]
    moment = func.coalesce(StatusMessageRow.sent_at, StatusMessageRow.created_at)
    if selection.file_ids:
        conditions.append(StatusMessageRow.file_id.in_(selection.file_ids))
    if selection.since is not None:
        conditions.append(moment >= selection.since)
    if selection.until is not None:
        conditions.append(moment < selection.until)
    if not selection.file_ids and not selection.windowed:
        conditions.append(StatusMessageRow.sent_at.is_(None))
    return and_(*conditions)


def files_without_answer(engine: Engine, file_ids: Collection[int]) -> list[int]:
    """Of these files, those with no answer that can be sent again (none stored, or still in work)."""
    query = (
        select(StatusMessageRow.file_id)
        .join(ReceivedFile, ReceivedFile.id == StatusMessageRow.file_id)
        .where(
            StatusMessageRow.file_id.in_(file_ids),
            ReceivedFile.state.in_(RESENDABLE_STATES),
            ReceivedFile.direction == Direction.RECEIVED.value,
        )
    )
    with engine.connect() as connection:
        found = set(connection.scalars(query))
    return sorted(set(file_ids) - found)


def stored_answers(
    engine: Engine, selection: AnswerSelection, batch: int = 100
) -> Iterator[list[StoredAnswer]]:
    """The selected answers in batches, oldest first (read a batch at a time: they are packets)."""
    last_id = 0
    while True:
        query = (
            select(
                StatusMessageRow.id,
                StatusMessageRow.file_id,
                StatusMessageRow.content,
                StatusMessageRow.sent_at,
                ReceivedFile.sender,
            )
            .join(ReceivedFile, ReceivedFile.id == StatusMessageRow.file_id)
            .where(_answer_filter(selection), StatusMessageRow.id > last_id)
            .order_by(StatusMessageRow.id)
            .limit(batch)
        )
        with engine.connect() as connection:
            rows = connection.execute(query).all()
        if not rows:
            return
        last_id = rows[-1].id
        yield [
            StoredAnswer(
                file_id=row.file_id,
                recipient=row.sender,
                # The name the runner gave it the first time: its own metadata's SenderFileId.
                filename=answer_filename(bytes(row.content)),
                content=bytes(row.content),
                sent_at=row.sent_at,
            )
            for row in rows
        ]


def mark_answers_sent(engine: Engine, file_ids: Collection[int], at: datetime | None = None) -> None:
    """The broker has these files' answers (again): note when, and close a flagged file's path."""
    if not file_ids:
        return
    when = at or datetime.now(UTC)
    with engine.begin() as connection:
        connection.execute(
            update(StatusMessageRow).where(StatusMessageRow.file_id.in_(file_ids)).values(sent_at=when)
        )
        connection.execute(
            update(ReceivedFile)
            .where(ReceivedFile.id.in_(file_ids), ReceivedFile.state == FileState.FLAGGED)
            .values(state=FileState.ANSWERED, updated_at=when)
        )


def published_events(
    engine: Engine, since: datetime | None, until: datetime | None, batch: int = 1000
) -> Iterator[list[FlagEvent]]:
    """Flag events already recorded as published within the window, oldest first, in pages."""
    last_id = 0
    while True:
        query = select(FlagEventRow.id, FlagEventRow.payload).where(
            FlagEventRow.published_at.is_not(None), FlagEventRow.id > last_id
        )
        if since is not None:
            query = query.where(FlagEventRow.published_at >= since)
        if until is not None:
            query = query.where(FlagEventRow.published_at < until)
        with engine.connect() as connection:
            rows = connection.execute(query.order_by(FlagEventRow.id).limit(batch)).all()
        if not rows:
            return
        last_id = rows[-1].id
        # The same bytes as the first time: the runner publishes events read back from the outbox too.
        yield [FlagEvent.from_dict({**row.payload, "event_id": row.id}) for row in rows]
