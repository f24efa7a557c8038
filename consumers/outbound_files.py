"""Publishing our messages for partners on the outbound topic (`exchange outbound send`), keyed by the
partner, for the transmission gateway.

Each message is packaged once (exchange.outbound.package: the packet is stored before it is published),
published, confirmed on a topic the broker lists (consumers.outbound), and only then recorded as sent.
A crash between any two of these steps leaves the message unsent with its packet stored: the next send
publishes those same bytes, so a partner gets the same packet twice at most, never two different ones.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import Engine, select, update

from consumers.admin import ensure_topics, outbound_topics
from consumers.claim_check import deposit
from consumers.faults import FaultInjector, FaultPoint
from consumers.messages import (
    CLAIM_CHECK_CONTENT_TYPE,
    CONTENT_TYPE_HEADER,
    FILENAME_HEADER,
    PACKET_CONTENT_TYPE,
)
from consumers.outbound import Outgoing, product_producer, publish_confirmed
from exchange.outbound.models import OutboundMessage
from exchange.outbound.package import Packaged, package
from exchange.settings import Settings


@dataclass
class SendReport:
    sent: list[str] = field(default_factory=list)  # MessageRefIds confirmed on the outbound topic
    topics_created: list[str] = field(default_factory=list)


def unsent(engine: Engine, partner: str | None = None, ids: Sequence[int] = ()) -> list[int]:
    """Messages cut and not recorded as sent, oldest first."""
    query = select(OutboundMessage.id).where(OutboundMessage.sent_at.is_(None)).order_by(OutboundMessage.id)
    if partner:
        query = query.where(OutboundMessage.partner == partner)
    if ids:
        query = query.where(OutboundMessage.id.in_(ids))
    with engine.connect() as connection:
        return list(connection.scalars(query))


def outbound_record(settings: Settings, packaged: Packaged) -> Outgoing:
    """The packet for the outbound topic, keyed by its partner; a large one as a claim check."""
    value = packaged.packet
    content_type = PACKET_CONTENT_TYPE
    if len(value) > settings.inline_packet_max_bytes:
        value = deposit(value, settings.effective_claim_check_dir).to_json()
        content_type = CLAIM_CHECK_CONTENT_TYPE
    return Outgoing(
        settings.topic_outbound,
        value,
        packaged.partner.encode(),
        ((CONTENT_TYPE_HEADER, content_type.encode()), (FILENAME_HEADER, packaged.transmission_id.encode())),
    )


async def send(
    settings: Settings,
    engine: Engine,
    message_ids: Sequence[int],
    report: SendReport,
    *,
    again: bool = False,
    faults: FaultInjector | None = None,
) -> None:
    """Package (if need be), publish and record as sent each message; `again` makes a new packet first
    (a resend). `report` says what the broker confirmed, also when a later message fails."""
    faults = faults or FaultInjector()
    servers = settings.kafka_bootstrap_servers
    report.topics_created = await ensure_topics(
        servers, outbound_topics(settings), settings.topic_partitions, settings.topic_replication_factor
    )
    producer = product_producer(settings)
    await producer.start()
    try:
        for message_id in message_ids:
            packaged = await asyncio.to_thread(
                package,
                engine,
                settings,
                message_id,
                again=again,
                before_store=lambda: faults.reach(FaultPoint.BEFORE_OUTBOUND_PACKET_STORED),
            )
            faults.reach(FaultPoint.AFTER_OUTBOUND_PACKAGE)
            await publish_confirmed(producer, servers, [outbound_record(settings, packaged)])
            faults.reach(FaultPoint.AFTER_OUTBOUND_PUBLISH)
            await asyncio.to_thread(_mark_sent, engine, message_id)
            faults.reach(FaultPoint.AFTER_OUTBOUND_RECORD)
            report.sent.append(packaged.message_ref_id)
    finally:
        await producer.stop()


def _mark_sent(engine: Engine, message_id: int) -> None:
    with engine.begin() as connection:
        connection.execute(
            update(OutboundMessage).where(OutboundMessage.id == message_id).values(sent_at=datetime.now(UTC))
        )
