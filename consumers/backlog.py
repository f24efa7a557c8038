"""What waits on the broker: records in the dead-letter topic, and the consumer group's lag.

Read with a plain consumer that never subscribes, so asking does not join the group or move its
offsets: end offsets minus beginning offsets for the DLQ; end offsets minus the group's committed
offsets for the inbound topic (a partition the group never committed counts from its beginning, as the
runner starts from the earliest record).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import KafkaError

from exchange.errors import ServiceUnavailableError
from exchange.settings import Settings


@dataclass(frozen=True)
class PartitionLag:
    partition: int
    committed: int | None
    end: int
    lag: int


@dataclass(frozen=True)
class Backlog:
    dlq_records: int
    lag: tuple[PartitionLag, ...]

    @property
    def total_lag(self) -> int:
        return sum(partition.lag for partition in self.lag)


async def broker_backlog(settings: Settings, timeout_s: float = 10.0) -> Backlog:
    """The DLQ size and the inbound lag of `settings.kafka_consumer_group`; raises
    ServiceUnavailableError when the broker does not answer within `timeout_s`."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        group_id=settings.kafka_consumer_group,
        enable_auto_commit=False,
        request_timeout_ms=int(timeout_s * 1000),
    )
    try:
        return await asyncio.wait_for(_read(consumer, settings), timeout_s)
    except (KafkaError, OSError, TimeoutError) as exc:
        raise ServiceUnavailableError(
            f"broker at {settings.kafka_bootstrap_servers} unreachable ({type(exc).__name__})"
        ) from None
    finally:
        await consumer.stop()


async def _read(consumer: AIOKafkaConsumer, settings: Settings) -> Backlog:
    await consumer.start()  # fetches the metadata of every topic
    dlq = _partitions(consumer, settings.topic_dlq)
    dlq_records = 0
    if dlq:
        ends, starts = await consumer.end_offsets(dlq), await consumer.beginning_offsets(dlq)
        dlq_records = sum(ends[partition] - starts[partition] for partition in dlq)
    return Backlog(dlq_records, await _lag(consumer, _partitions(consumer, settings.topic_inbound)))


async def _lag(consumer: AIOKafkaConsumer, partitions: list[TopicPartition]) -> tuple[PartitionLag, ...]:
    if not partitions:
        return ()
    ends, starts = await consumer.end_offsets(partitions), await consumer.beginning_offsets(partitions)
    lags = []
    for partition in partitions:
        committed = await consumer.committed(partition)
        position = starts[partition] if committed is None else max(committed, starts[partition])
        lags.append(
            PartitionLag(partition.partition, committed, ends[partition], max(ends[partition] - position, 0))
        )
    return tuple(lags)


def _partitions(consumer: AIOKafkaConsumer, topic: str) -> list[TopicPartition]:
    return [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]
