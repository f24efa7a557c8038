"""A partner's status message about a message we sent: verified like any packet (the pipeline opened
it), validated against its status-message schema, matched to our message by OriginalMessageRefID, stored
(accepted, rejected with file errors, or accepted with record errors naming our DocRefIds), and each
record error traced back to the record we sent, hence to the institution's submission that waits for a
correction. Stored once per packet: a redelivery changes nothing. Each such institution is told with a
notice of its own (exchange.outbound.notices), stored with the answer.

A status message is never answered: no status message answers a status message, in CTS as in IDES.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from lxml import etree
from sqlalchemy import Connection, Engine, insert, select

from crypto import OpenedPacket, PacketError
from exchange.logs import get_logger
from exchange.outbound.models import OutboundAnswer, OutboundDoc, OutboundMessage, OutboundRecordError
from exchange.outbound.notices import Notice, make_notices, unsent_notices
from exchange.pipeline.document import DocumentPass, PlainChunks
from exchange.settings import Settings
from exchange.validation.findings import Finding

log = get_logger(__name__)
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


@dataclass(frozen=True)
class RecordError:
    code: int
    doc_ref_ids: tuple[str, ...]


@dataclass(frozen=True)
class PartnerAnswer:
    """What the partner said, read from its status message."""

    message_ref_id: str  # the status message's own
    original_message_ref_id: str
    status: str
    file_errors: tuple[int, ...]
    record_errors: tuple[RecordError, ...]


@dataclass(frozen=True)
class AnswerOutcome:
    """Where the answer went: stored against our message, or a dead letter with the reason."""

    dead_letter: str | None = None
    answer_id: int | None = None
    status: str | None = None
    notices: tuple[Notice, ...] = ()  # for the institutions whose records the partner found in error


def take_partner_answer(
    engine: Engine, settings: Settings, opened: OpenedPacket, sha256: str
) -> AnswerOutcome:
    """Read, validate, match and store the partner's status message inside `opened`."""
    partner = opened.metadata.sender
    try:
        document = opened.stream.read()
        opened.verdict()
    except PacketError as exc:
        return AnswerOutcome(dead_letter=f"the partner's status message failed its check ({exc.code}): {exc}")
    problem = _schema_problem(settings, document)
    if problem is not None:
        return AnswerOutcome(dead_letter=f"the partner's status message is not valid: {problem}")
    answer = read_answer(document)
    with engine.begin() as connection:
        stored = connection.execute(
            select(OutboundAnswer.id, OutboundAnswer.status).where(OutboundAnswer.packet_sha256 == sha256)
        ).first()
        if stored is not None:  # a redelivery: what was not confirmed sent goes again, the same bytes
            return AnswerOutcome(
                answer_id=stored.id, status=stored.status, notices=unsent_notices(connection, stored.id)
            )
        message_id = connection.execute(
            select(OutboundMessage.id).where(
                OutboundMessage.message_ref_id == answer.original_message_ref_id,
                OutboundMessage.partner == partner,
            )
        ).scalar()
        if message_id is None:
            return AnswerOutcome(
                dead_letter=f"the status message from {partner} answers {answer.original_message_ref_id}, "
                "no message we sent it"
            )
        answer_id = connection.execute(
            insert(OutboundAnswer)
            .values(
                packet_sha256=sha256,
                message_id=message_id,
                partner=partner,
                status_message_ref_id=answer.message_ref_id,
                status=answer.status,
                file_errors=",".join(str(code) for code in answer.file_errors),
                record_errors=len(answer.record_errors),
                received_at=datetime.now(UTC),
            )
            .returning(OutboundAnswer.id)
        ).scalar_one()
        traced = _trace(connection, message_id, answer.record_errors)
        if traced:
            connection.execute(
                insert(OutboundRecordError),
                [
                    {"answer_id": answer_id, "outbound_doc_id": doc_id, "code": code}
                    for doc_id, code in traced
                ],
            )
        make_notices(connection, settings, answer_id, partner, traced)
        notices = unsent_notices(connection, answer_id)
    log.info(
        "partner answer stored",
        partner=partner,
        status=answer.status,
        file_errors=list(answer.file_errors),
        record_errors=len(answer.record_errors),
        traced=len(traced),
        notices=len(notices),
    )
    return AnswerOutcome(answer_id=answer_id, status=answer.status, notices=notices)


def read_answer(document: bytes) -> PartnerAnswer:
    """The parts of a schema-valid status message (CRS, DPI or CbC: their element names agree)."""
    root = etree.fromstring(document, _PARSER)
    record_errors = []
    file_errors = []
    for element in root.iter():
        name = etree.QName(element).localname
        if name == "FileError":
            file_errors.append(int(_child(element, "Code") or 0))
        elif name == "RecordError":
            ids = tuple(
                (child.text or "").strip()
                for child in element
                if etree.QName(child).localname in ("DocRefIDInError", "DocRefIdInError")
            )
            record_errors.append(RecordError(int(_child(element, "Code") or 0), ids))
    return PartnerAnswer(
        message_ref_id=_first(root, "MessageRefId") or "",
        original_message_ref_id=_first(root, "OriginalMessageRefID") or "",
        status=_first(root, "Status") or "",
        file_errors=tuple(file_errors),
        record_errors=tuple(record_errors),
    )


def _trace(connection: Connection, message_id: int, errors: tuple[RecordError, ...]) -> list[tuple[int, int]]:
    """(our record, code) for every DocRefId in error that is one of the message's records."""
    wanted = {doc_ref_id for error in errors for doc_ref_id in error.doc_ref_ids}
    if not wanted:
        return []
    rows = connection.execute(
        select(OutboundDoc.id, OutboundDoc.doc_ref_id).where(
            OutboundDoc.message_id == message_id, OutboundDoc.doc_ref_id.in_(wanted)
        )
    ).all()
    ids = {row.doc_ref_id: row.id for row in rows}
    return [
        (ids[doc_ref_id], error.code)
        for error in errors
        for doc_ref_id in error.doc_ref_ids
        if doc_ref_id in ids
    ]


def _schema_problem(settings: Settings, document: bytes) -> str | None:
    reading = DocumentPass(PlainChunks([document]), settings, history=None, reads_status=True)
    reading.start()
    findings = [item for item in reading.items() if isinstance(item, Finding) and item.rejects_file]
    if reading.status_report is None:
        return "not a status message"
    if findings:
        return "; ".join(f"{finding.code} {finding.message}" for finding in findings[:3])
    return None


def _first(root: etree._Element, name: str) -> str | None:
    for element in root.iter():
        if etree.QName(element).localname == name:
            return (element.text or "").strip()
    return None


def _child(element: etree._Element, name: str) -> str | None:
    for child in element:
        if etree.QName(child).localname == name:
            return (child.text or "").strip()
    return None
