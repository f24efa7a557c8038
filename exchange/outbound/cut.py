"""Cut the pending outbound records into messages: one per partner, reporting period and mode.

A message holds new data (CRS701) or corrections and deletions (CRS702), never both (80010), so a
partner's pending records of one period become up to two messages. Each body is one submission's
institution (its ReportingFI as new data under a DocRefId of ours: a correction message carries its
institution as it stands), its records in the order the institution gave them. The message and the
records it takes are written in one transaction: a cut interrupted leaves the records pending, and a
record is never in two messages.
"""

from __future__ import annotations

import io
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from itertools import groupby

from lxml import etree
from sqlalchemy import Connection, Engine, Row, insert, select, update

from exchange.errors import ExchangeError
from exchange.outbound.models import OutboundDoc, OutboundMessage, OutboundSplit
from exchange.outbound.split import outbound_doc_ref_id
from exchange.records import DocSpec, MessageHeader
from exchange.settings import Settings
from exchange.writers.crs import CRS, VOCABULARY
from exchange.writers.message import message_frame, replace_doc_spec

NEW_DATA = frozenset({"OECD1", "OECD11"})
TEST_DATA = frozenset({"OECD11", "OECD12", "OECD13"})


class CutConflictError(ExchangeError):
    """Another cut took some of the same records meanwhile: nothing of this one was kept."""


@dataclass(frozen=True)
class CutMessage:
    id: int
    partner: str
    reporting_period: date
    message_ref_id: str
    message_type_indic: str
    records: int


def outbound_message_ref_id(home: str, period: date, partner: str) -> str:
    """Sending country, reporting year, receiving country, a unique part (the 50008 pattern)."""
    return f"{home}{period.year}{partner}{uuid.uuid4().hex}"


def cut(
    engine: Engine,
    settings: Settings,
    year: int,
    partner: str | None = None,
    *,
    before_commit: Callable[[], None] | None = None,
) -> list[CutMessage]:
    """Cut every partner's (or one partner's) pending records of reporting year `year`; `before_commit`
    is called inside each message's transaction (the crash tests kill the process there)."""
    with engine.connect() as connection:
        groups = connection.execute(
            select(OutboundDoc.partner, OutboundDoc.reporting_period)
            .where(
                OutboundDoc.message_id.is_(None),
                OutboundDoc.reporting_period >= date(year, 1, 1),
                OutboundDoc.reporting_period <= date(year, 12, 31),
                *([OutboundDoc.partner == partner] if partner else []),
            )
            .distinct()
            .order_by(OutboundDoc.partner, OutboundDoc.reporting_period)
        ).all()
    cut_messages: list[CutMessage] = []
    for group in groups:
        for new_data in (True, False):
            message = _cut_one(
                engine, settings, group.partner, group.reporting_period, new_data, before_commit
            )
            if message is not None:
                cut_messages.append(message)
    return cut_messages


def _cut_one(
    engine: Engine,
    settings: Settings,
    partner: str,
    period: date,
    new_data: bool,
    before_commit: Callable[[], None] | None,
) -> CutMessage | None:
    home = settings.home_jurisdiction
    with engine.begin() as connection:
        mode = OutboundDoc.doc_type_indic.in_(NEW_DATA)
        docs = connection.execute(
            select(
                OutboundDoc.id,
                OutboundDoc.file_id,
                OutboundDoc.body,
                OutboundDoc.element,
                OutboundDoc.doc_type_indic,
            )
            .where(
                OutboundDoc.message_id.is_(None),
                OutboundDoc.partner == partner,
                OutboundDoc.reporting_period == period,
                mode if new_data else ~mode,
            )
            .order_by(OutboundDoc.file_id, OutboundDoc.body, OutboundDoc.position)
        ).all()
        if not docs:
            return None
        indic = "CRS701" if new_data else "CRS702"
        message_ref_id = outbound_message_ref_id(home, period, partner)
        header = MessageHeader(
            message_type="CRS",
            transmitting_country=home,
            receiving_country=partner,
            message_ref_id=message_ref_id,
            reporting_period=period,
            timestamp=datetime.now(UTC).replace(microsecond=0, tzinfo=None),
            message_type_indic=indic,
        )
        document = _document(connection, header, docs)
        message_id = connection.execute(
            insert(OutboundMessage)
            .values(
                partner=partner,
                reporting_period=period,
                message_ref_id=message_ref_id,
                message_type_indic=indic,
                records=len(docs),
                document=document,
                cut_at=datetime.now(UTC),
                transmissions=0,
            )
            .returning(OutboundMessage.id)
        ).scalar_one()
        taken = connection.execute(
            update(OutboundDoc)
            .where(OutboundDoc.id.in_([doc.id for doc in docs]), OutboundDoc.message_id.is_(None))
            .values(message_id=message_id)
        ).rowcount
        if taken != len(docs):
            raise CutConflictError(f"another cut took records for {partner} meanwhile: cut again")
        if before_commit is not None:
            before_commit()
    return CutMessage(message_id, partner, period, message_ref_id, indic, len(docs))


def _document(
    connection: Connection, header: MessageHeader, docs: Sequence[Row[int, int, int, bytes, str]]
) -> bytes:
    """The message: one CrsBody per submission body, its institution first, then its records."""
    buffer = io.BytesIO()
    home, year, partner = header.transmitting_country, header.reporting_period, header.receiving_country
    # Test data stays test data: the institution of a test message is new test data too (OECD11).
    fi_indic = "OECD11" if any(doc.doc_type_indic in TEST_DATA for doc in docs) else "OECD1"
    with message_frame(buffer, header, VOCABULARY) as xml:
        for (file_id, body), rows in groupby(docs, key=lambda doc: (doc.file_id, doc.body)):
            fi = _institution(connection, file_id, body, fi_indic, outbound_doc_ref_id(home, year, partner))
            with xml.element(f"{{{CRS}}}CrsBody"):
                xml.write(fi)
                with xml.element(f"{{{CRS}}}ReportingGroup"):
                    for row in rows:
                        xml.write(etree.fromstring(row.element))
    return buffer.getvalue()


def _institution(
    connection: Connection, file_id: int, body: int, indic: str, doc_ref_id: str
) -> etree._Element:
    """The body's ReportingFI as the submission gave it, under an outbound DocSpec of its own."""
    element = connection.execute(
        select(OutboundSplit.fi_element).where(OutboundSplit.file_id == file_id, OutboundSplit.body == body)
    ).scalar_one()
    return replace_doc_spec(etree.fromstring(element), DocSpec(indic, doc_ref_id), VOCABULARY)
