"""One OECD error code across the files: how many files and records drew it, from which senders, and
its findings newest first; and every code seen, with the same counts.

Like the file story, nothing here reads a party: findings carry codes, DocRefIds, field paths and lines
(their messages pass through `story.operator_text` where they are shown).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session, selectinload

from exchange.store.models import FindingRow, ReceivedFile
from exchange.store.queries import FileFilter


def codes_seen(session: Session, where: FileFilter | None = None) -> list[dict[str, Any]]:
    """Every code among the findings of the files `where` selects: files, findings, record findings,
    senders and when it was last seen, most files first."""
    query = (where or FileFilter()).apply(
        select(
            FindingRow.code,
            func.count(distinct(FindingRow.file_id)),
            func.count(),
            func.count().filter(FindingRow.level == "record"),
            func.count(distinct(ReceivedFile.sender)),
            func.max(ReceivedFile.received_at),
        )
        .join(FindingRow.file)
        .group_by(FindingRow.code)
    )
    rows = [
        {
            "code": code,
            "files": files,
            "findings": findings,
            "record_findings": records,
            "senders": senders,
            "last_seen": last,
        }
        for code, files, findings, records, senders, last in session.execute(query)
    ]
    return sorted(rows, key=lambda row: (-row["files"], row["code"]))


def code_summary(session: Session, code: int, where: FileFilter | None = None) -> dict[str, Any]:
    """How many files and records one code was found in, in all and per sender."""
    query = (where or FileFilter()).apply(
        select(
            ReceivedFile.sender,
            func.count(distinct(FindingRow.file_id)),
            func.count(),
            func.count().filter(FindingRow.level == "record"),
            func.max(ReceivedFile.received_at),
        )
        .join(FindingRow.file)
        .where(FindingRow.code == code)
        .group_by(ReceivedFile.sender)
        .order_by(ReceivedFile.sender)
    )
    senders = [
        {
            "sender": sender,
            "files": files,
            "findings": findings,
            "record_findings": records,
            "last_seen": last,
        }
        for sender, files, findings, records, last in session.execute(query)
    ]
    files = session.scalar(
        (where or FileFilter()).apply(
            select(func.count(distinct(FindingRow.file_id)))
            .join(FindingRow.file)
            .where(FindingRow.code == code)
        )
    )
    return {
        "code": code,
        "files": files or 0,
        "findings": sum(row["findings"] for row in senders),
        "record_findings": sum(row["record_findings"] for row in senders),
        "senders": senders,
    }


def findings_of_code(
    session: Session, code: int, where: FileFilter | None = None, *, limit: int = 50, offset: int = 0
) -> Sequence[FindingRow]:
    """The findings with this code, newest file first, with their file loaded; a page of them."""
    query = (where or FileFilter()).apply(
        select(FindingRow)
        .join(FindingRow.file)
        .where(FindingRow.code == code)
        .order_by(ReceivedFile.received_at.desc(), FindingRow.file_id.desc(), FindingRow.position)
        .limit(limit)
        .offset(offset)
    )
    return session.scalars(query.options(selectinload(FindingRow.file))).all()
