"""The inbound runner: consume packets, hand each to the handler, publish what it says, then commit.

Delivery is at-least-once and the handler's effect is idempotent, so each file takes effect once:
- the offset is committed only after the handler returned (database committed) and every reply and
  dead letter was acknowledged by the broker;
- while a file is processed (in a worker thread) the runner keeps polling with its partitions paused,
  so heartbeats and the poll interval survive a file that takes many minutes;
- a transient failure (database unreachable) pauses consumption and retries the same record with
  backoff; nothing is committed in between;
- stopping finishes the file in hand (or abandons it uncommitted while waiting for a retry) and
  leaves the group.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from aiokafka import (
    AIOKafkaConsumer,
    AIOKafkaProducer,
    ConsumerRebalanceListener,
    ConsumerRecord,
    TopicPartition,
)
from aiokafka.errors import CommitFailedError, IllegalStateError, KafkaError

from consumers.admin import ensure_topics, product_topics
from consumers.claim_check import ClaimCheck, ClaimCheckError, redeem
from consumers.faults import FaultInjector, FaultPoint
from consumers.messages import (
    CLAIM_CHECK_CONTENT_TYPE,
    CONTENT_TYPE_HEADER,
    FILENAME_HEADER,
    PACKET_CONTENT_TYPE,
    REASON_HEADER,
    SOURCE_HEADER,
    Event,
    HandlingResult,
    InboundPacket,
    PacketHandler,
)
from consumers.metrics import RunnerMetrics
from exchange.errors import ServiceUnavailableError
from exchange.logs import get_logger
from exchange.settings import Settings

log = get_logger(__name__)
T = TypeVar("T")
_POLL_WHILE_BUSY_S = 0.5


class _AbandonedError(Exception):
    """The runner was asked to stop while a record waited for a retry: leave it uncommitted."""


@dataclass(frozen=True)
class ConsumerTuning:
    """Kafka client timings; tests shorten them, production keeps the defaults."""

    session_timeout_ms: int = 30_000
    heartbeat_interval_ms: int = 3_000
    max_poll_interval_ms: int = 300_000
    retry_initial_s: float = 0.5
    retry_max_s: float = 30.0


class _RebalanceLog(ConsumerRebalanceListener):  # type: ignore[misc]
    """Counts and logs assignments: a rebalance while a file is in hand is worth an operator's look."""

    def __init__(self, runner: InboundRunner) -> None:
        self.runner = runner

    async def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        log.info("partitions revoked", partitions=sorted(str(p) for p in revoked))

    async def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        self.runner.assignments += 1
        self.runner.metrics.rebalances.inc()
        log.info("partitions assigned", partitions=sorted(str(p) for p in assigned))


class InboundRunner:
    def __init__(
        self,
        settings: Settings,
        handler: PacketHandler,
        *,
        group_id: str | None = None,
        tuning: ConsumerTuning | None = None,
        metrics: RunnerMetrics | None = None,
        faults: FaultInjector | None = None,
    ) -> None:
        self.settings = settings
        self.handler = handler
        self.group_id = group_id or settings.kafka_consumer_group
        self.tuning = tuning or ConsumerTuning()
        self.metrics = metrics or RunnerMetrics()
        self.faults = faults or FaultInjector()  # disarmed unless the crash tests arm it
        self.stop_requested = asyncio.Event()
        self.files_done = 0
        self.assignments = 0
        self._consumer: AIOKafkaConsumer | None = None
        self._producer: AIOKafkaProducer | None = None

    @property
    def consumer(self) -> AIOKafkaConsumer:
        if self._consumer is None:
            raise RuntimeError("the runner is not started")
        return self._consumer

    @property
    def producer(self) -> AIOKafkaProducer:
        if self._producer is None:
            raise RuntimeError("the runner is not started")
        return self._producer

    def request_stop(self) -> None:
        self.stop_requested.set()

    async def start(self) -> None:
        servers = self.settings.kafka_bootstrap_servers
        await ensure_topics(
            servers,
            product_topics(self.settings),
            self.settings.topic_partitions,
            self.settings.topic_replication_factor,
        )
        self._producer = AIOKafkaProducer(
            bootstrap_servers=servers,
            acks="all",
            max_request_size=max(self.settings.inline_packet_max_bytes * 2, 1024 * 1024),
        )
        await self._producer.start()
        self._consumer = AIOKafkaConsumer(
            bootstrap_servers=servers,
            group_id=self.group_id,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            session_timeout_ms=self.tuning.session_timeout_ms,
            heartbeat_interval_ms=self.tuning.heartbeat_interval_ms,
            max_poll_interval_ms=self.tuning.max_poll_interval_ms,
            fetch_max_bytes=max(self.settings.inline_packet_max_bytes * 2, 52_428_800),
            max_partition_fetch_bytes=max(self.settings.inline_packet_max_bytes * 2, 1_048_576),
        )
        self._consumer.subscribe([self.settings.topic_inbound], listener=_RebalanceLog(self))
        await self._consumer.start()
        log.info("runner started", group=self.group_id, topic=self.settings.topic_inbound)

    async def stop(self) -> None:
        if self._consumer is not None:
            await self._consumer.stop()  # leaves the group, so the partitions move on at once
            self._consumer = None
        if self._producer is not None:
            await self._producer.stop()
            self._producer = None
        log.info("runner stopped", files=self.files_done)

    async def run(self) -> None:
        """Consume until `request_stop()`; always stops the clients."""
        await self.start()
        try:
            while not self.stop_requested.is_set():
                batch = await self.consumer.getmany(timeout_ms=500, max_records=1)
                await self._update_lag()
                for records in batch.values():
                    for record in records:
                        await self._process(record)
        except _AbandonedError:
            log.warning("stopping with a record left for redelivery")
        finally:
            await self.stop()

    async def _process(self, record: ConsumerRecord[Any, Any]) -> None:
        started = time.perf_counter()
        partition = TopicPartition(record.topic, record.partition)
        try:
            packet = self._packet_of(record)
        except ClaimCheckError as exc:
            result = HandlingResult(outcome="dead-letter", dead_letter=str(exc))
        else:
            self.metrics.bytes.inc(packet.size)
            result = await self._handle(packet)
            self.faults.reach(FaultPoint.AFTER_STORE_COMMIT)
        await self._publish(record, result)
        await self._after_publish(result)
        await self._publish_more_events(result)
        self.faults.reach(FaultPoint.AFTER_PUBLISH)
        await self._commit(partition, record.offset + 1)
        self.files_done += 1
        self._count(result, time.perf_counter() - started)

    def _packet_of(self, record: ConsumerRecord[Any, Any]) -> InboundPacket:
        headers = {name: value for name, value in (record.headers or ())}
        content: bytes | Path = record.value or b""
        if headers.get(CONTENT_TYPE_HEADER) == CLAIM_CHECK_CONTENT_TYPE.encode():
            check = ClaimCheck.from_json(record.value or b"")
            content = redeem(check, self.settings.effective_claim_check_dir, self.settings.max_packet_bytes)
        return InboundPacket(
            key=record.key.decode("utf-8", "replace") if record.key else None,
            content=content,
            headers=headers,
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
        )

    async def _handle(self, packet: InboundPacket) -> HandlingResult:
        delay = self.tuning.retry_initial_s
        while True:
            try:
                return await self._while_polling(asyncio.to_thread(self.handler, packet))
            except ServiceUnavailableError as exc:
                self.metrics.retries.inc()
                log.warning(
                    "transient failure, retrying", source=packet.source, reason=str(exc), delay_s=delay
                )
                if self.stop_requested.is_set():
                    raise _AbandonedError from None
                await self._while_polling(asyncio.sleep(delay))
                delay = min(delay * 2, self.tuning.retry_max_s)
            except Exception as exc:
                # A bug must not block the partition forever, nor lose the packet: it goes to the DLQ.
                log.exception("handler failed", source=packet.source)
                return HandlingResult(
                    outcome="dead-letter", dead_letter=f"internal error: {type(exc).__name__}"
                )

    async def _while_polling(self, work: Awaitable[T]) -> T:
        """Await `work` while keeping the group membership alive: poll with every partition paused."""
        task = asyncio.ensure_future(work)
        try:
            while not task.done():
                self.consumer.pause(*self.consumer.assignment())
                fetched = await self.consumer.getmany(timeout_ms=0)
                for partition, records in fetched.items():
                    # Partitions assigned by a rebalance meanwhile were not paused: give their records back.
                    self.consumer.seek(partition, records[0].offset)
                await asyncio.wait({task}, timeout=_POLL_WHILE_BUSY_S)
        finally:
            self.consumer.resume(*self.consumer.assignment())
        return task.result()

    async def _publish(self, record: ConsumerRecord[Any, Any], result: HandlingResult) -> None:
        for reply in result.replies:
            await self.producer.send_and_wait(
                self.settings.topic_status,
                reply.packet,
                key=reply.jurisdiction.encode(),
                headers=[
                    (CONTENT_TYPE_HEADER, PACKET_CONTENT_TYPE.encode()),
                    (FILENAME_HEADER, reply.filename.encode()),
                ],
            )
        await self._send_events(result.events)
        if result.dead_letter is not None:
            headers = [(name, value) for name, value in (record.headers or ()) if name != REASON_HEADER]
            headers += [
                (REASON_HEADER, result.dead_letter.encode()),
                (SOURCE_HEADER, f"{record.topic}/{record.partition}/{record.offset}".encode()),
            ]
            await self.producer.send_and_wait(
                self.settings.topic_dlq, record.value, key=record.key, headers=headers
            )
            self.metrics.dead_letters.inc()
            log.warning(
                "dead-lettered",
                source=f"{record.topic}/{record.partition}/{record.offset}",
                reason=result.dead_letter,
            )

    async def _send_events(self, events: Sequence[Event]) -> None:
        # Queued together and awaited together: a page of events costs one round of acknowledgements.
        sent = [
            await self.producer.send(
                self.settings.topic_flags,
                event.value,
                key=event.key.encode(),
                headers=[(CONTENT_TYPE_HEADER, b"application/json")],
            )
            for event in events
        ]
        await asyncio.gather(*sent)

    async def _publish_more_events(self, result: HandlingResult) -> None:
        """A file can raise more events than its result carries: publish the outbox page by page."""
        if result.more_events is None:
            return
        while True:
            page = await self._while_polling(asyncio.to_thread(result.more_events))
            if not page.events:
                return
            await self._while_polling(self._send_events(page.events))
            try:
                await asyncio.to_thread(page.sent)
            except Exception as exc:
                # The page would come back unmarked forever: the outbox keeps it for the next packet.
                log.warning("could not record flag events as sent", error=type(exc).__name__)
                return

    async def _after_publish(self, result: HandlingResult) -> None:
        if result.after_publish is None:
            return
        try:
            await asyncio.to_thread(result.after_publish)
        except Exception as exc:
            # The answer is out and the offset will be committed: only the bookkeeping is behind.
            log.warning("could not record the answer as sent", error=type(exc).__name__)

    async def _commit(self, partition: TopicPartition, offset: int) -> None:
        try:
            await self.consumer.commit({partition: offset})
        except (CommitFailedError, IllegalStateError, KafkaError) as exc:
            # The partition moved to another member meanwhile: it will redeliver the record, and the
            # idempotent store will answer it with the same status message.
            log.warning(
                "offset not committed; the record will be redelivered",
                partition=str(partition),
                error=type(exc).__name__,
            )

    def _count(self, result: HandlingResult, seconds: float) -> None:
        self.metrics.files.labels(outcome=result.outcome).inc()
        self.metrics.seconds.observe(seconds)
        for code in result.codes:
            self.metrics.findings.labels(code=str(code)).inc()

    async def _update_lag(self) -> None:
        for partition in self.consumer.assignment():
            highwater = self.consumer.highwater(partition)
            if highwater is None:
                continue
            position = await self.consumer.position(partition)
            self.metrics.lag.labels(topic=partition.topic, partition=str(partition.partition)).set(
                max(highwater - position, 0)
            )
