"""The dead-letter topic as operators see it: its records' metadata, one record, and redriving one.

Read with a consumer that joins no group, so looking never moves anybody's offsets. A record's value
(the packet, or a claim check) is read to measure it and to redrive it, never shown and never kept.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition

from consumers.messages import CLAIM_CHECK_CONTENT_TYPE, CONTENT_TYPE_HEADER, REASON_HEADER, SOURCE_HEADER
from consumers.outbound import Outgoing, PublishError, product_producer, publish_confirmed
from exchange.errors import ExchangeError, ServiceUnavailableError
from exchange.settings import Settings

REDRIVEN_FROM_HEADER = "exchange-redriven-from"  # where a redriven record was in the dead-letter topic
_READ_TIMEOUT_S = 30.0


class NoSuchDeadLetterError(ExchangeError):
    """Nothing at the place asked for in the dead-letter topic."""


@dataclass(frozen=True)
class DeadLetter:
    partition: int
    offset: int
    timestamp_ms: int
    sender: str | None  # the record key: the sending jurisdiction, as the partner published it
    reason: str
    source: str | None  # topic/partition/offset of the inbound record
    size: int  # bytes of the packet (a claim check's claimed size), not of the Kafka record
    claim_check: bool
    headers: tuple[tuple[str, bytes], ...]

    @property
    def position(self) -> str:
        return f"{self.partition}:{self.offset}"

    @property
    def at(self) -> datetime:
        return datetime.fromtimestamp(self.timestamp_ms / 1000, UTC)


def dead_letter_of(record: ConsumerRecord[Any, Any]) -> DeadLetter:
    headers = tuple((name, bytes(value or b"")) for name, value in (record.headers or ()))
    named = dict(headers)
    value: bytes = record.value or b""
    claim_check = named.get(CONTENT_TYPE_HEADER) == CLAIM_CHECK_CONTENT_TYPE.encode()
    return DeadLetter(
        partition=record.partition,
        offset=record.offset,
        timestamp_ms=record.timestamp,
        sender=record.key.decode("utf-8", "replace") if record.key else None,
        reason=named.get(REASON_HEADER, b"").decode("utf-8", "replace"),
        source=named[SOURCE_HEADER].decode("utf-8", "replace") if SOURCE_HEADER in named else None,
        size=_claimed_size(value) if claim_check else len(value),
        claim_check=claim_check,
        headers=headers,
    )


def _claimed_size(value: bytes) -> int:
    try:
        return int(json.loads(value)["size"])
    except (ValueError, KeyError, TypeError):
        return len(value)  # a malformed claim check (probably why it is here): its own size


def _consumer(settings: Settings) -> AIOKafkaConsumer:
    return AIOKafkaConsumer(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        enable_auto_commit=False,
        request_timeout_ms=int(_READ_TIMEOUT_S * 1000),
        max_partition_fetch_bytes=max(settings.inline_packet_max_bytes * 2, 1_048_576),
        fetch_max_bytes=max(settings.inline_packet_max_bytes * 2, 52_428_800),
    )


async def _with_consumer(settings: Settings, work: Any, timeout_s: float | None = _READ_TIMEOUT_S) -> Any:
    consumer = _consumer(settings)
    try:
        await consumer.start()
        # Let the consumer's own background task begin: aiokafka's stop() fails on one never started.
        await asyncio.sleep(0)
        return await asyncio.wait_for(work(consumer), timeout_s)
    except (*PublishError, OSError) as exc:
        raise ServiceUnavailableError(
            f"broker at {settings.kafka_bootstrap_servers} did not answer or confirm ({type(exc).__name__})"
        ) from None
    finally:
        await consumer.stop()


def _partitions(consumer: AIOKafkaConsumer, topic: str) -> list[TopicPartition]:
    return [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]


async def partition_count(settings: Settings) -> int:
    async def count(consumer: AIOKafkaConsumer) -> int:
        return len(_partitions(consumer, settings.topic_dlq))

    result: int = await _with_consumer(settings, count)
    return result


async def read_dead_letters(settings: Settings) -> list[DeadLetter]:
    """Every record of the dead-letter topic up to its end at the time of asking, oldest first per
    partition."""

    async def read(consumer: AIOKafkaConsumer) -> list[DeadLetter]:
        partitions = _partitions(consumer, settings.topic_dlq)
        if not partitions:
            return []
        consumer.assign(partitions)
        ends = await consumer.end_offsets(partitions)
        await consumer.seek_to_beginning(*partitions)
        letters: list[DeadLetter] = []
        while [p for p in partitions if await consumer.position(p) < ends[p]]:
            for records in (await consumer.getmany(timeout_ms=500)).values():
                letters += [
                    dead_letter_of(r)
                    for r in records
                    if r.offset < ends[TopicPartition(r.topic, r.partition)]
                ]
        return sorted(letters, key=lambda letter: (letter.partition, letter.offset))

    result: list[DeadLetter] = await _with_consumer(settings, read)
    return result


async def read_record(settings: Settings, partition: int, offset: int) -> ConsumerRecord[Any, Any]:
    """The dead-letter topic's record at `partition:offset`, value included (for a redrive)."""

    async def read(consumer: AIOKafkaConsumer) -> ConsumerRecord[Any, Any]:
        place = TopicPartition(settings.topic_dlq, partition)
        if place not in _partitions(consumer, settings.topic_dlq):
            raise NoSuchDeadLetterError(f"{settings.topic_dlq} has no partition {partition}")
        consumer.assign([place])
        start, end = (
            (await consumer.beginning_offsets([place]))[place],
            (await consumer.end_offsets([place]))[place],
        )
        if not start <= offset < end:
            held = f"offsets {start} to {end - 1}" if end > start else "nothing"
            raise NoSuchDeadLetterError(
                f"{settings.topic_dlq} has no record at {partition}:{offset} "
                f"(partition {partition} holds {held})"
            )
        consumer.seek(place, offset)
        while True:
            for record in (await consumer.getmany(place, timeout_ms=500)).get(place, []):
                if record.offset == offset:
                    return record
                if record.offset > offset:  # compacted away
                    raise NoSuchDeadLetterError(f"{settings.topic_dlq} has no record at {partition}:{offset}")

    result: ConsumerRecord[Any, Any] = await _with_consumer(settings, read)
    return result


def redriven(settings: Settings, record: ConsumerRecord[Any, Any]) -> Outgoing:
    """The record as it goes back to the inbound topic: its bytes, key and the sender's headers, with
    where it was in the dead-letter topic instead of the dead-letter headers."""
    headers = tuple(
        (name, bytes(value or b""))
        for name, value in (record.headers or ())
        if name not in {REASON_HEADER, SOURCE_HEADER, REDRIVEN_FROM_HEADER}
    )
    place = f"{record.topic}/{record.partition}/{record.offset}".encode()
    headers += ((REDRIVEN_FROM_HEADER, place),)
    return Outgoing(settings.topic_inbound, record.value, record.key, headers)


async def redrive_each(
    settings: Settings,
    positions: list[tuple[int, int]],
    decide: Callable[[ConsumerRecord[Any, Any]], AbstractContextManager[bool]],
) -> None:
    """Publish the records at `positions` back to the inbound topic, one at a time, each inside
    `decide(record)`: the decision is recorded on entering (False: decided meanwhile by someone else,
    skip it) and kept only if the broker confirmed the record (an exception leaving the block rolls it
    back). Records are read as they go, so memory does not grow with their number."""
    producer = product_producer(settings)
    wanted: dict[int, set[int]] = {}
    for partition, offset in positions:
        wanted.setdefault(partition, set()).add(offset)

    async def each(consumer: AIOKafkaConsumer) -> None:
        for partition, offsets in sorted(wanted.items()):
            place = TopicPartition(settings.topic_dlq, partition)
            consumer.assign([place])
            consumer.seek(place, min(offsets))
            left = set(offsets)
            while left:
                for record in (await consumer.getmany(place, timeout_ms=500)).get(place, []):
                    if record.offset in left:
                        left.discard(record.offset)
                        with decide(record) as mine:
                            if not mine:
                                continue
                            await publish_confirmed(
                                producer, settings.kafka_bootstrap_servers, [redriven(settings, record)]
                            )
                    if record.offset >= max(offsets):
                        left.clear()  # anything still wanted was compacted away meanwhile

    await producer.start()
    try:
        await _with_consumer(settings, each, timeout_s=None)
    finally:
        await producer.stop()
