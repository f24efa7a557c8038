"""What operators see of the outbound side: messages cut, and records waiting per partner and period.

Identifiers, codes and counts only: never a record's content (the taxpayers' data is for analysts).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, func, or_, select
from sqlalchemy.orm import aliased

from exchange.outbound.models import OutboundAnswer, OutboundDoc, OutboundMessage, OutboundRecordError


def pending(engine: Engine, partner: str | None = None) -> list[dict[str, Any]]:
    """Records not yet in a message, per partner, reporting period and DocTypeIndic."""
    query = (
        select(
            OutboundDoc.partner,
            OutboundDoc.reporting_period,
            OutboundDoc.doc_type_indic,
            func.count().label("records"),
        )
        .where(OutboundDoc.message_id.is_(None), *([OutboundDoc.partner == partner] if partner else []))
        .group_by(OutboundDoc.partner, OutboundDoc.reporting_period, OutboundDoc.doc_type_indic)
        .order_by(OutboundDoc.partner, OutboundDoc.reporting_period, OutboundDoc.doc_type_indic)
    )
    with engine.connect() as connection:
        return [
            {
                "partner": row.partner,
                "reporting_period": row.reporting_period.isoformat(),
                "doc_type_indic": row.doc_type_indic,
                "records": row.records,
            }
            for row in connection.execute(query)
        ]


def messages(engine: Engine, partner: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
    """The messages cut, latest first."""
    query = (
        select(OutboundMessage)
        .where(*([OutboundMessage.partner == partner] if partner else []))
        .order_by(OutboundMessage.id.desc())
        .limit(limit)
    )
    with engine.connect() as connection:
        return [_message(row) for row in connection.execute(query)]


def message(engine: Engine, reference: str) -> dict[str, Any] | None:
    """One message by id or MessageRefId, with its records' DocTypeIndics and the submissions they
    come from."""
    conditions = [OutboundMessage.message_ref_id == reference]
    if reference.isdigit():
        conditions.append(OutboundMessage.id == int(reference))
    with engine.connect() as connection:
        row = connection.execute(select(OutboundMessage).where(or_(*conditions))).first()
        if row is None:
            return None
        found = _message(row)
        indics = connection.execute(
            select(OutboundDoc.doc_type_indic, func.count().label("records"))
            .where(OutboundDoc.message_id == row.id)
            .group_by(OutboundDoc.doc_type_indic)
            .order_by(OutboundDoc.doc_type_indic)
        ).all()
        sources = connection.execute(
            select(OutboundDoc.file_id, OutboundDoc.institution, func.count().label("records"))
            .where(OutboundDoc.message_id == row.id)
            .group_by(OutboundDoc.file_id, OutboundDoc.institution)
            .order_by(OutboundDoc.file_id)
        ).all()
    found["doc_type_indics"] = {indic.doc_type_indic: indic.records for indic in indics}
    found["answers"] = answers_of(engine, row.id)
    found["submissions"] = [
        {"file_id": source.file_id, "institution": source.institution, "records": source.records}
        for source in sources
    ]
    return found


def _message(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "partner": row.partner,
        "reporting_period": row.reporting_period.isoformat(),
        "message_ref_id": row.message_ref_id,
        "message_type_indic": row.message_type_indic,
        "records": row.records,
        "bytes": len(row.document),
        "cut_at": row.cut_at.isoformat(),
        "transmission_id": row.transmission_id,
        "transmissions": row.transmissions,
        "sent_at": row.sent_at.isoformat() if row.sent_at else None,
    }


def awaiting_correction(engine: Engine, partner: str | None = None) -> list[dict[str, Any]]:
    """Records a partner reported an error about, per partner and submission (its institution), that no
    later record of theirs has corrected or deleted for that partner yet: the wait ends when the
    institution's correction was sent on to the partner (confirmed on the outbound topic), not before."""
    later = aliased(OutboundDoc)
    doc = OutboundDoc
    corrected = (
        select(later.id)
        .join(OutboundMessage, OutboundMessage.id == later.message_id)
        .where(
            later.partner == doc.partner,
            later.corr_doc_ref_id == doc.doc_ref_id,
            OutboundMessage.sent_at.is_not(None),
        )
        .exists()
    )
    query = (
        select(
            doc.partner,
            doc.file_id,
            doc.institution,
            func.count(func.distinct(doc.id)).label("records"),
        )
        .join(OutboundRecordError, OutboundRecordError.outbound_doc_id == doc.id)
        .where(~corrected, *([doc.partner == partner] if partner else []))
        .group_by(doc.partner, doc.file_id, doc.institution)
        .order_by(doc.partner, doc.file_id)
    )
    with engine.connect() as connection:
        return [
            {
                "partner": row.partner,
                "file_id": row.file_id,
                "institution": row.institution,
                "records": row.records,
            }
            for row in connection.execute(query)
        ]


def answers_of(engine: Engine, message_id: int) -> list[dict[str, Any]]:
    """The partner's status messages about one message, oldest first."""
    query = select(OutboundAnswer).where(OutboundAnswer.message_id == message_id).order_by(OutboundAnswer.id)
    with engine.connect() as connection:
        return [
            {
                "status_message_ref_id": row.status_message_ref_id,
                "status": row.status,
                "file_errors": [int(code) for code in row.file_errors.split(",") if code],
                "record_errors": row.record_errors,
                "received_at": row.received_at.isoformat(),
            }
            for row in connection.execute(query)
        ]
