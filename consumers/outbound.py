"""What the product publishes, and publishing it so that "sent" means "on a topic of the broker".

A broker's acknowledgement alone is not enough: an in-memory broker restarted empty (or one that
auto-creates topics) acknowledges a write to a topic it does not list, and the record reaches nobody.
So every batch is confirmed after its acknowledgements by asking the broker which topics exist; only a
confirmed batch may be recorded as sent. On Apache Kafka with topic auto-creation off, a write to a
missing topic fails instead; both cases end in `PublishError`, after which the caller recreates the
topics and publishes the same bytes again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError

from consumers.admin import list_topics
from consumers.messages import CONTENT_TYPE_HEADER, FILENAME_HEADER, PACKET_CONTENT_TYPE, Event, Reply
from exchange.settings import Settings

Headers = tuple[tuple[str, bytes], ...]
EVENT_CONTENT_TYPE = b"application/json"


@dataclass(frozen=True)
class Outgoing:
    """One record to publish."""

    topic: str
    value: bytes | None
    key: bytes | None
    headers: Headers = ()


class UnconfirmedPublishError(Exception):
    """Records were acknowledged, but on a topic the broker does not list."""


# Everything that means "not (provably) on the broker": retry after checking the topics.
PublishError = (KafkaError, OSError, TimeoutError, UnconfirmedPublishError)


def reply_record(settings: Settings, reply: Reply) -> Outgoing:
    """A status message for the status topic (or the reply's own), keyed by the party it answers."""
    return Outgoing(
        reply.topic or settings.topic_status,
        reply.packet,
        reply.jurisdiction.encode(),
        ((CONTENT_TYPE_HEADER, PACKET_CONTENT_TYPE.encode()), (FILENAME_HEADER, reply.filename.encode())),
    )


def event_record(settings: Settings, event: Event) -> Outgoing:
    """A flag event for the flags topic, keyed so that one subject's events stay in order."""
    return Outgoing(
        settings.topic_flags, event.value, event.key.encode(), ((CONTENT_TYPE_HEADER, EVENT_CONTENT_TYPE),)
    )


def product_producer(settings: Settings) -> AIOKafkaProducer:
    """The producer of `exchange run` and of the operators' commands: every write on all replicas."""
    return AIOKafkaProducer(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        acks="all",
        max_request_size=max(settings.inline_packet_max_bytes * 2, 1024 * 1024),
        metadata_max_age_ms=int(settings.broker_check_seconds * 1000),
    )


async def publish_confirmed(
    producer: AIOKafkaProducer, servers: str, records: Sequence[Outgoing], timeout_s: float = 10.0
) -> None:
    """Publish `records` (queued together, acknowledged together), then confirm that every topic they
    went to is listed by the broker. Raises one of `PublishError` when that cannot be shown."""
    if not records:
        return
    acknowledgements = [
        await producer.send(record.topic, record.value, key=record.key, headers=list(record.headers))
        for record in records
    ]
    await asyncio.gather(*acknowledgements)
    listed = await asyncio.wait_for(list_topics(servers, request_timeout_ms=int(timeout_s * 1000)), timeout_s)
    missing = sorted({record.topic for record in records} - listed)
    if missing:
        raise UnconfirmedPublishError(
            f"acknowledged on topics the broker does not list: {', '.join(missing)}"
        )
