"""The institution told of a partner's record errors: when a partner's answer names DocRefIds of ours,
each domestic institution whose submission they came from gets its own status message about that
submission, naming its own DocRefIds (the partner's codes, mapped back through `outbound_doc`).

The notice is made and stored in the transaction that stores the partner's answer, then published on
`exchange.submissions.answers` keyed by the institution, and marked sent once the broker has it. A crash
before the mark, or a redelivered answer, publishes the stored bytes again: the institution gets the same
notice twice at most, never two different ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import groupby

from sqlalchemy import Connection, Engine, insert, select, update

from crypto.keyring import Keyring
from exchange.outbound.models import InstitutionNotice, OutboundDoc
from exchange.settings import Settings
from exchange.status import OriginalMessage, build_status_message, new_message_ref_id, to_bytes
from exchange.store.models import ReceivedFile
from exchange.submissions.answer import signed_for_institution
from exchange.validation.codes import EITHER_LEVEL_CODES, RECORD_CODES
from exchange.validation.findings import Finding

RECORD_ERROR_CODES = range(RECORD_CODES.start, EITHER_LEVEL_CODES.stop)


@dataclass(frozen=True)
class Notice:
    """A stored notice, ready to publish to its institution."""

    id: int
    institution: str
    message_ref_id: str
    content: bytes

    @property
    def filename(self) -> str:
        return f"{self.message_ref_id}.xml"


def make_notices(
    connection: Connection,
    settings: Settings,
    answer_id: int,
    partner: str,
    traced: Sequence[tuple[int, int]],
) -> None:
    """One notice per submission that `traced` (our record, the partner's code) leads back to."""
    codes: dict[int, list[int]] = {}
    for doc_id, code in traced:
        # A record error's code is a record code (a status message's schema allows no other there); one
        # that is not could not be put in the institution's RecordError either, and stays with the answer.
        if code in RECORD_ERROR_CODES:
            codes.setdefault(doc_id, []).append(code)
    if not codes:
        return
    rows = connection.execute(
        select(
            OutboundDoc.id,
            OutboundDoc.file_id,
            OutboundDoc.institution,
            OutboundDoc.domestic_doc_ref_id,
            ReceivedFile.message_ref_id,
        )
        .join(ReceivedFile, ReceivedFile.id == OutboundDoc.file_id)
        .where(OutboundDoc.id.in_(codes))
        .order_by(OutboundDoc.file_id, OutboundDoc.position)
    ).all()
    home = settings.home_jurisdiction
    keyring = Keyring.from_settings(settings)
    now = datetime.now(UTC)
    for file_id, records in groupby(rows, key=lambda row: row.file_id):
        found = list(records)
        in_error = [(row.domestic_doc_ref_id, code) for row in found for code in codes[row.id]]
        message_ref_id = new_message_ref_id(home, home, now)
        document = build_status_message(
            OriginalMessage(found[0].message_ref_id or str(file_id), home),
            _findings(partner, in_error),
            home=home,
            message_ref_id=message_ref_id,
            timestamp=now,
        )
        connection.execute(
            insert(InstitutionNotice).values(
                answer_id=answer_id,
                file_id=file_id,
                institution=found[0].institution,
                partner=partner,
                message_ref_id=message_ref_id,
                content=signed_for_institution(keyring, home, to_bytes(document)),
                made_at=now,
            )
        )


def _findings(partner: str, in_error: list[tuple[str, int]]) -> list[Finding]:
    """One record error per code, naming the institution's DocRefIds the partner found it in."""
    by_code: dict[int, list[str]] = {}
    for doc_ref_id, code in in_error:
        by_code.setdefault(code, []).append(doc_ref_id)
    return [
        Finding(
            code=code,
            level="record",
            message=f"{partner}, the receiving jurisdiction, reported this error; send a correction",
            doc_ref_ids=tuple(doc_ref_ids),
        )
        for code, doc_ref_ids in sorted(by_code.items())
    ]


def unsent_notices(connection: Connection, answer_id: int) -> tuple[Notice, ...]:
    """The answer's notices not yet confirmed on the institutions' topic."""
    rows = connection.execute(
        select(
            InstitutionNotice.id,
            InstitutionNotice.institution,
            InstitutionNotice.message_ref_id,
            InstitutionNotice.content,
        )
        .where(InstitutionNotice.answer_id == answer_id, InstitutionNotice.sent_at.is_(None))
        .order_by(InstitutionNotice.id)
    ).all()
    return tuple(Notice(row.id, row.institution, row.message_ref_id, row.content) for row in rows)


def mark_notices_sent(engine: Engine, notices: Sequence[Notice]) -> None:
    if not notices:
        return
    with engine.begin() as connection:
        connection.execute(
            update(InstitutionNotice)
            .where(InstitutionNotice.id.in_([notice.id for notice in notices]))
            .values(sent_at=datetime.now(UTC))
        )
