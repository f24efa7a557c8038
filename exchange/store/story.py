"""A file's whole story for operators: what arrived, each step with its time, every finding, the answer
sent, what was stored and refused, and the flags raised on its reports.

Operators see codes, counts, DocRefIds and institutions, not taxpayers: nothing here reads a party, a
name, a TIN, an address or a birth date, and finding messages lose the values a schema error quotes.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from exchange.logs import scrub_text
from exchange.states import outcome_of
from exchange.store.models import AccountReportRow, DocRecord, FindingRow, ReceivedFile

_SHA256 = re.compile(r"[0-9a-fA-F]{64}")
# A schema error quotes the offending value ("The value 'Peeters…' has a length of 201"); the element and
# facet names it quotes too are kept, they say where the error is.
_QUOTED_VALUE = re.compile(r"(?<!Element )(?<!facet )(?<!attribute )'[^']*'")


class FileKeyError(ValueError):
    """Neither a file id nor a packet's SHA-256."""


def file_key(key: str) -> int | str:
    """A file id (int) or a packet's SHA-256 (lower-case hex) from what a user typed."""
    text = key.strip()
    if text.isdigit() and len(text) <= 18:
        return int(text)
    if _SHA256.fullmatch(text):
        return text.lower()
    raise FileKeyError(f"{key!r} is neither a file id (a number) nor a packet's SHA-256 (64 hex digits)")


def find_file(session: Session, key: int | str) -> ReceivedFile | None:
    """The file with this id, or whose packet has this SHA-256 (see `file_key`)."""
    query = select(ReceivedFile).options(
        selectinload(ReceivedFile.events),
        selectinload(ReceivedFile.header),
        selectinload(ReceivedFile.status_message),
    )
    if isinstance(key, int):
        query = query.where(ReceivedFile.id == key)
    else:
        query = query.where(ReceivedFile.packet_sha256 == key)
    return session.scalars(query).first()


def operator_text(message: str) -> str:
    """A finding's message without the values it may quote from the file (names, TINs, dates)."""
    return scrub_text(_QUOTED_VALUE.sub("'…'", message))


def file_story(session: Session, file: ReceivedFile, max_findings: int | None = None) -> dict[str, Any]:
    """Everything the store knows of one file that an operator may see, as plain data."""
    findings = session.scalars(
        select(FindingRow)
        .where(FindingRow.file_id == file.id)
        .order_by(FindingRow.position)
        .limit(max_findings)
    ).all()
    total, record_errors = session.execute(
        select(func.count(), func.count().filter(FindingRow.level == "record")).where(
            FindingRow.file_id == file.id
        )
    ).one()
    codes = session.scalars(
        select(FindingRow.code).where(FindingRow.file_id == file.id).distinct().order_by(FindingRow.code)
    ).all()
    outcome = outcome_of(file.state, total > 0)
    return {
        "id": file.id,
        "packet_sha256": file.packet_sha256,
        "profile": file.profile,
        "sender": file.sender,
        "receiver": file.receiver,
        "communication_type": file.communication_type,
        "sender_file_id": file.sender_file_id,
        "message_ref_id": file.message_ref_id,
        "packet_size": file.packet_size,
        "payload_size": file.payload_size,
        "received_at": file.received_at.isoformat(),
        "settled_at": file.settled_at.isoformat() if file.settled_at else None,
        "outcome": outcome.value if outcome else None,
        "state": file.state.value,
        "rejection_code": file.rejection_code,
        "header": _header(file),
        "timeline": [{"state": event.state.value, "at": event.at.isoformat()} for event in file.events],
        "codes": list(codes),
        "findings_total": total,
        "findings": [_finding(row) for row in findings],
        "status_message": _status_message(file),
        "records": {
            "stored": file.records_stored,
            "refused": file.records_refused,
            "record_errors": record_errors,
            "versions": _versions(session, file.id),
        },
        "flags": _flags(session, file.id),
    }


def _header(file: ReceivedFile) -> dict[str, Any] | None:
    header = file.header
    if header is None:
        return None
    # Warning and Contact are free text that may name the sender's staff: not shown.
    return {
        "format": f"{header.format_name} {header.format_version}",
        "message_type": header.message_type,
        "message_type_indic": header.message_type_indic,
        "transmitting_country": header.transmitting_country,
        "receiving_country": header.receiving_country,
        "reporting_period": header.reporting_period.isoformat(),
        "timestamp": header.timestamp,
        "corr_message_ref_ids": list(header.corr_message_ref_ids),
        "sending_company_in": header.sending_company_in,
    }


def _finding(row: FindingRow) -> dict[str, Any]:
    return {
        "code": row.code,
        "level": row.level,
        "doc_ref_ids": list(row.doc_ref_ids),
        "field_paths": list(row.field_paths),
        "line": row.line,
        "path": row.path,
        "message": operator_text(row.message),
    }


def _status_message(file: ReceivedFile) -> dict[str, Any] | None:
    status = file.status_message
    if status is None:
        return None
    return {
        "message_ref_id": status.message_ref_id,
        "accepted": status.accepted,
        "created_at": status.created_at.isoformat(),
        # Set once the answer left: the broker acknowledged it, or `process --answer-dir` wrote it.
        "sent_at": status.sent_at.isoformat() if status.sent_at else None,
        "acknowledged": status.sent_at is not None,
    }


def _versions(session: Session, file_id: int) -> dict[str, dict[str, int]]:
    """The record versions this file brought, by kind, with the state each is in now."""
    query = (
        select(DocRecord.kind, DocRecord.state, func.count())
        .where(DocRecord.file_id == file_id)
        .group_by(DocRecord.kind, DocRecord.state)
        .order_by(DocRecord.kind, DocRecord.state)
    )
    versions: dict[str, dict[str, int]] = {}
    for kind, state, count in session.execute(query):
        versions.setdefault(kind.value, {})[state.value] = count
    return versions


def _flags(session: Session, file_id: int) -> dict[str, Any]:
    """The flags whose evidence is one of this file's account reports, by code and state."""
    from exchange.anomalies.models import Flag  # read only; the store does not depend on the flags

    query = (
        select(Flag.code, Flag.state, func.count())
        .join(AccountReportRow, Flag.account_report_id == AccountReportRow.id)
        .where(AccountReportRow.file_id == file_id)
        .group_by(Flag.code, Flag.state)
        .order_by(Flag.code, Flag.state)
    )
    by_code: dict[str, dict[str, int]] = {}
    states: Counter[str] = Counter()
    for code, state, count in session.execute(query):
        by_code.setdefault(code, {})[state] = count
        states[state] += count
    return {"raised": states["raised"], "retracted": states["retracted"], "by_code": by_code}
