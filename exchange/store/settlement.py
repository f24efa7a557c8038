"""The parts of a file's outcome that are stored whether it is accepted or rejected: its header, its
claim on its MessageRefId, its findings, its status message and its final state."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, insert, select, update

from exchange.records import MessageHeader
from exchange.states import FileState
from exchange.store.files import load_outcome, record_event, utc_now
from exchange.store.models import (
    FindingRow,
    MessageHeaderRow,
    ReceivedFile,
    StatusMessageRow,
    UsedMessageRefId,
)
from exchange.store.outcomes import FileOutcome, PacketInfo, StatusBuilder, Verdict
from exchange.validation.findings import Finding

MESSAGE_REF_ID_USED = 50009


def message_ref_id_used_elsewhere(
    connection: Connection, sender: str, message_ref_id: str, file_id: int
) -> bool:
    owner = connection.execute(
        select(UsedMessageRefId.file_id).where(
            UsedMessageRefId.sender == sender, UsedMessageRefId.message_ref_id == message_ref_id
        )
    ).scalar_one_or_none()
    return owner is not None and owner != file_id


def record_header(
    connection: Connection, file_id: int, sender: str, header: MessageHeader, claim: bool
) -> None:
    """Store the header and, unless the MessageRefId belongs to another file, take it for this one.

    Every file that gets this far uses up its MessageRefId, a rejected one too: the standard wants a
    new MessageRefId for every file sent, a corrected resubmission included.
    """
    connection.execute(
        insert(MessageHeaderRow).values(
            file_id=file_id,
            format_name=header.format_name,
            format_version=header.format_version,
            message_type=header.message_type,
            transmitting_country=header.transmitting_country,
            receiving_country=header.receiving_country,
            message_ref_id=header.message_ref_id,
            message_type_indic=header.message_type_indic,
            corr_message_ref_ids=list(header.corr_message_ref_ids),
            reporting_period=header.reporting_period,
            timestamp=header.timestamp.isoformat(),
            sending_company_in=header.sending_company_in,
            warning=header.warning,
            contact=header.contact,
        )
    )
    if claim:
        connection.execute(
            insert(UsedMessageRefId).values(
                sender=sender, message_ref_id=header.message_ref_id, file_id=file_id
            )
        )


def settle(
    connection: Connection,
    file_id: int,
    packet: PacketInfo,
    header: MessageHeader | None,
    findings: Sequence[Finding],
    counts: tuple[int, int],
    status: StatusBuilder | None,
) -> FileOutcome:
    """Write the findings and the status message, and give the file its final state, in the caller's
    transaction; returns the outcome exactly as a later replay will read it."""
    file_errors = [finding.code for finding in findings if finding.rejects_file]
    accepted = not file_errors
    if findings:
        connection.execute(
            insert(FindingRow),
            [
                {
                    "file_id": file_id,
                    "position": position,
                    "code": finding.code,
                    "level": finding.level,
                    "message": finding.message,
                    "doc_ref_ids": list(finding.doc_ref_ids),
                    "field_paths": list(finding.field_paths),
                    "line": finding.line,
                    "path": finding.path,
                }
                for position, finding in enumerate(findings)
            ],
        )
    now = utc_now()
    if status is not None:
        draft = status(Verdict(packet=packet, header=header, accepted=accepted, findings=tuple(findings)))
        connection.execute(
            insert(StatusMessageRow).values(
                file_id=file_id,
                message_ref_id=draft.message_ref_id,
                accepted=accepted,
                content=draft.content,
                created_at=now,
            )
        )
    stored, refused = counts
    state = FileState.STORED if accepted else FileState.REJECTED
    connection.execute(
        update(ReceivedFile)
        .where(ReceivedFile.id == file_id)
        .values(
            state=state,
            rejection_code=None if accepted else file_errors[0],
            message_ref_id=None if header is None else header.message_ref_id,
            payload_size=packet.payload_size,
            records_stored=stored,
            records_refused=refused,
            updated_at=now,
            settled_at=now,
        )
    )
    record_event(connection, file_id, state, now)
    outcome = load_outcome(connection, packet.sha256)
    if outcome is None:  # the row was written above, in this very transaction
        raise RuntimeError("settled file vanished")
    return outcome
