"""A received file's row: registering a packet, moving it along its states, reading its outcome.

Every move of the state is also a `file_event` row in the same transaction, so a file's timeline is
exactly the steps that took effect: a step repeated by a redelivery moves nothing and records nothing.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from exchange.states import SETTLED_STATES, FileState, can_advance
from exchange.store.models import FileEventRow, FindingRow, ReceivedFile, StatusMessageRow
from exchange.store.outcomes import FileOutcome, PacketInfo, StoredStatusMessage
from exchange.validation.findings import Finding


def utc_now() -> datetime:
    return datetime.now(UTC)


def ensure_received_file(connection: Connection, packet: PacketInfo) -> int:
    """The file's id, inserting its row (state `received`) unless a worker already did."""
    now = utc_now()
    values = {
        "packet_sha256": packet.sha256,
        "profile": packet.profile,
        "sender": packet.sender,
        "receiver": packet.receiver,
        "communication_type": packet.communication_type,
        "sender_file_id": packet.sender_file_id,
        "packet_size": packet.size,
        "payload_size": packet.payload_size,
        "state": FileState.RECEIVED,
        "records_stored": 0,
        "records_refused": 0,
        "received_at": now,
        "updated_at": now,
    }
    dialect_insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
    # RETURNING gives a row only when this call inserted one (rowcount is no guide on PostgreSQL).
    inserted = connection.execute(
        dialect_insert(ReceivedFile)
        .values(values)
        .on_conflict_do_nothing(index_elements=["packet_sha256"])
        .returning(ReceivedFile.id)
    ).scalar_one_or_none()
    if inserted is not None:
        record_event(connection, inserted, FileState.RECEIVED, now)
        return inserted
    file_id: int = connection.execute(
        select(ReceivedFile.id).where(ReceivedFile.packet_sha256 == packet.sha256)
    ).scalar_one()
    return file_id


def record_event(connection: Connection, file_id: int, state: FileState, at: datetime) -> None:
    """Note that the file reached `state` at `at`, in the caller's transaction."""
    connection.execute(insert(FileEventRow).values(file_id=file_id, state=state, at=at))


def register_file(engine: Engine, packet: PacketInfo) -> int:
    """Record that a packet arrived; registering it again returns the same id."""
    with engine.begin() as connection:
        return ensure_received_file(connection, packet)


def advance_state(
    engine: Engine, packet_sha256: str, target: FileState, payload_size: int | None = None
) -> FileState:
    """Move a file forward (opened, validated, reconciled, flagged); a step already taken is a no-op,
    as it is when a redelivered file repeats the steps. Returns the state the file is in afterwards."""
    if target in {FileState.REJECTED, FileState.STORED}:
        raise ValueError(f"a file becomes {target.value} through store_file, with its findings")
    allowed_from = [state for state in FileState if can_advance(state, target)]
    now = utc_now()
    values: dict[str, object] = {"state": target, "updated_at": now}
    if payload_size is not None:
        values["payload_size"] = payload_size
    with engine.begin() as connection:
        moved = connection.execute(
            update(ReceivedFile)
            .where(ReceivedFile.packet_sha256 == packet_sha256, ReceivedFile.state.in_(allowed_from))
            .values(values)
        ).rowcount
        found = connection.execute(
            select(ReceivedFile.id, ReceivedFile.state).where(ReceivedFile.packet_sha256 == packet_sha256)
        ).first()
        if found is None:
            raise LookupError("no file with this packet hash was registered")
        if moved:
            record_event(connection, found.id, target, now)
    state: FileState = found.state
    return state


def mark_answered(engine: Engine, packet_sha256: str, sent_at: datetime | None = None) -> None:
    """The status message went out: note when, and close an accepted file's path."""
    sent_at = sent_at or utc_now()
    with engine.begin() as connection:
        file_id = connection.execute(
            select(ReceivedFile.id).where(ReceivedFile.packet_sha256 == packet_sha256)
        ).scalar_one()
        connection.execute(
            update(StatusMessageRow).where(StatusMessageRow.file_id == file_id).values(sent_at=sent_at)
        )
        accepted_states = [FileState.STORED, FileState.RECONCILED, FileState.FLAGGED]
        moved = connection.execute(
            update(ReceivedFile)
            .where(ReceivedFile.id == file_id, ReceivedFile.state.in_(accepted_states))
            .values(state=FileState.ANSWERED, updated_at=sent_at)
        ).rowcount
        if moved:
            record_event(connection, file_id, FileState.ANSWERED, sent_at)


def file_state(engine: Engine, packet_sha256: str) -> FileState | None:
    """Where the file is now (an outcome read earlier keeps the state it was settled in)."""
    with engine.connect() as connection:
        state: FileState | None = connection.execute(
            select(ReceivedFile.state).where(ReceivedFile.packet_sha256 == packet_sha256)
        ).scalar_one_or_none()
    return state


def load_outcome(connection: Connection, packet_sha256: str) -> FileOutcome | None:
    file = connection.execute(select(ReceivedFile).where(ReceivedFile.packet_sha256 == packet_sha256)).first()
    if file is None:
        return None
    findings = connection.execute(
        select(FindingRow).where(FindingRow.file_id == file.id).order_by(FindingRow.position)
    ).all()
    status = connection.execute(select(StatusMessageRow).where(StatusMessageRow.file_id == file.id)).first()
    return FileOutcome(
        file_id=file.id,
        packet_sha256=file.packet_sha256,
        state=file.state,
        rejection_code=file.rejection_code,
        findings=tuple(
            Finding(
                code=row.code,
                level=row.level,
                message=row.message,
                doc_ref_ids=tuple(row.doc_ref_ids),
                field_paths=tuple(row.field_paths),
                line=row.line,
                path=row.path,
            )
            for row in findings
        ),
        status_message=None
        if status is None
        else StoredStatusMessage(
            message_ref_id=status.message_ref_id,
            accepted=status.accepted,
            content=status.content,
            created_at=status.created_at,
            sent_at=status.sent_at,
        ),
        records_stored=file.records_stored,
        records_refused=file.records_refused,
    )


def settled_outcome(connection: Connection, packet_sha256: str) -> FileOutcome | None:
    """The outcome of a file whose effect is complete, marked as a replay; None if there is work left."""
    outcome = load_outcome(connection, packet_sha256)
    if outcome is None or outcome.state not in SETTLED_STATES:
        return None
    return replace(outcome, replayed=True)


def file_outcome(engine: Engine, packet_sha256: str) -> FileOutcome | None:
    """The stored outcome of a packet, settled or not: the pipeline asks before opening a packet."""
    with engine.connect() as connection:
        return load_outcome(connection, packet_sha256)
