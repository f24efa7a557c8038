"""The inbound runner: consume packets, hand each to the handler, publish what it says, then commit.

Delivery is at-least-once and the handler's effect is idempotent, so each file takes effect once:
- the offset is committed only after the handler returned (database committed) and every reply, flag
  event and dead letter was acknowledged by the broker *on a topic the broker lists*
  (consumers.outbound); a publish that cannot be confirmed is retried after the topics are checked and
  the missing ones recreated, and nothing is recorded as sent before that;
- while a file is processed (in a worker thread) the runner keeps polling with its partitions paused,
  so heartbeats and the poll interval survive a file that takes many minutes;
- a transient failure (database unreachable, broker gone) pauses consumption and retries the same
  record with backoff; nothing is committed in between. An unreachable broker at start is waited for
  the same way;
- every `broker_check_seconds` the runner checks that the broker answers and that its topics exist;
  when idle it recreates missing ones (a broker restarted empty), so partners can publish again;
- a stop request ends the run within `stop_grace_seconds`: the file in hand is finished if it can be
  within the grace, else abandoned uncommitted (it is delivered again and answered then); then the
  clients are closed within what is left of the grace.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
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

from consumers.admin import TopicCreationError, ensure_topics, list_topics, run_topics
from consumers.claim_check import ClaimCheck, ClaimCheckError, redeem
from consumers.faults import FaultInjector, FaultPoint
from consumers.messages import (
    CLAIM_CHECK_CONTENT_TYPE,
    CONTENT_TYPE_HEADER,
    REASON_HEADER,
    SOURCE_HEADER,
    HandlingResult,
    InboundPacket,
    PacketHandler,
)
from consumers.metrics import RunnerMetrics
from consumers.outbound import (
    Outgoing,
    PublishError,
    event_record,
    product_producer,
    publish_confirmed,
    reply_record,
)
from consumers.threads import in_daemon_thread
from exchange.errors import ServiceUnavailableError
from exchange.logs import get_logger
from exchange.settings import Settings

log = get_logger(__name__)
T = TypeVar("T")
_POLL_WHILE_BUSY_S = 0.5
_CLOSE_RESERVE_S = 2.0  # of the stop grace, kept for closing the clients after the file in hand
_ADMIN_TIMEOUT_S = 10.0
_START_TIMEOUT_S = 30.0  # one attempt to reach the broker and start the clients


class _AbandonedError(Exception):
    """The runner was asked to stop: what is in hand is left uncommitted for redelivery."""


@dataclass(frozen=True)
class ConsumerTuning:
    """Kafka client timings and retry backoff; `from_settings` is what `exchange run` uses."""

    session_timeout_ms: int = 30_000
    heartbeat_interval_ms: int = 3_000
    max_poll_interval_ms: int = 300_000
    retry_initial_s: float = 0.5
    retry_max_s: float = 30.0

    @classmethod
    def from_settings(cls, settings: Settings) -> ConsumerTuning:
        return cls(
            session_timeout_ms=settings.kafka_session_timeout_ms,
            heartbeat_interval_ms=settings.kafka_heartbeat_interval_ms,
            max_poll_interval_ms=settings.kafka_max_poll_interval_ms,
            retry_max_s=settings.retry_max_seconds,
        )


def group_instance_id(settings: Settings) -> str | None:
    """The static member id of `exchange run`: the setting, else the host name; None when static
    membership is off. A broker older than Kafka 2.3 is asked without it (aiokafka picks the version)."""
    if not settings.kafka_static_membership:
        return None
    return settings.kafka_group_instance_id or socket.gethostname()


def consumer_options(
    settings: Settings, group_id: str, instance_id: str | None, tuning: ConsumerTuning
) -> dict[str, Any]:
    """The inbound consumer's configuration."""
    return {
        "bootstrap_servers": settings.kafka_bootstrap_servers,
        "group_id": group_id,
        # A static member does not leave the group when it stops: its partitions wait for it (a
        # restart takes them back without a rebalance) until the session timeout hands them on.
        "group_instance_id": instance_id,
        "enable_auto_commit": False,
        "auto_offset_reset": "earliest",
        "session_timeout_ms": tuning.session_timeout_ms,
        "heartbeat_interval_ms": tuning.heartbeat_interval_ms,
        "max_poll_interval_ms": tuning.max_poll_interval_ms,
        # A topic recreated on a broker that came back empty is seen at the next metadata refresh.
        "metadata_max_age_ms": int(settings.broker_check_seconds * 1000),
        "fetch_max_bytes": max(settings.inline_packet_max_bytes * 2, 52_428_800),
        "max_partition_fetch_bytes": max(settings.inline_packet_max_bytes * 2, 1_048_576),
    }


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
        group_instance_id: str | None = None,
        tuning: ConsumerTuning | None = None,
        metrics: RunnerMetrics | None = None,
        faults: FaultInjector | None = None,
        topic: str | None = None,
        topics: Sequence[str] | None = None,
    ) -> None:
        self.settings = settings
        self.handler = handler
        self.group_id = group_id or settings.kafka_consumer_group
        # `exchange run` consumes the inbound topic; `exchange submissions` the submissions topic.
        self.topic = topic or settings.topic_inbound
        # The topics it checks and recreates: `exchange run`'s unless given.
        self.topics = list(topics) if topics is not None else run_topics(settings)
        self.group_instance_id = group_instance_id
        self.tuning = tuning or ConsumerTuning.from_settings(settings)
        self.metrics = metrics or RunnerMetrics()
        self.faults = faults or FaultInjector()  # disarmed unless the crash tests arm it
        self.stop_requested = asyncio.Event()
        self.files_done = 0
        self.assignments = 0
        self.abandoned = False  # a stop left the record in hand uncommitted
        self._in_hand: ConsumerRecord[Any, Any] | None = None
        self._stop_deadline: float | None = None
        self._check: asyncio.Task[None] | None = None  # the broker check in progress, if any
        self._next_check = 0.0
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
        if self._stop_deadline is None:
            self._stop_deadline = time.monotonic() + self.settings.stop_grace_seconds
        self.stop_requested.set()

    # --- lifecycle -------------------------------------------------------------------------------

    async def run(self) -> None:
        """Consume until `request_stop()`; always stops the clients."""
        try:
            await self._start_when_ready()
            while not self.stop_requested.is_set():
                for records in (await self._poll()).values():
                    for record in records:
                        await self._process(record)
        except _AbandonedError:
            if self._in_hand is not None:
                self.abandoned = True
                log.warning(
                    "stopped with the record in hand left uncommitted; it will be delivered again",
                    source=f"{self._in_hand.topic}/{self._in_hand.partition}/{self._in_hand.offset}",
                )
        finally:
            if self._check is not None:
                self._check.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._check
            await self.stop()

    async def _start_when_ready(self) -> None:
        """Start the clients, waiting (with backoff, logged) for a broker that does not answer."""
        delay = self.tuning.retry_initial_s
        while True:
            try:
                await self._unless_stopped(asyncio.wait_for(self._start_clients(), _START_TIMEOUT_S))
            except (KafkaError, OSError, TimeoutError) as exc:
                await self._close_clients(timeout_s=1.0)
                self._waiting("broker", True)
                log.warning(
                    "broker unreachable, retrying",
                    bootstrap_servers=self.settings.kafka_bootstrap_servers,
                    error=type(exc).__name__,
                    delay_s=delay,
                )
                await self._unless_stopped(asyncio.sleep(delay))
                delay = min(delay * 2, self.tuning.retry_max_s)
            except BaseException:
                await self._close_clients(timeout_s=1.0)
                raise
            else:
                self._waiting("broker", False)
                self.metrics.broker_contact.set(time.time())
                self._next_check = time.monotonic() + self.settings.broker_check_seconds
                return

    async def _start_clients(self) -> None:
        await self._ensure_topics()
        self._producer = product_producer(self.settings)
        await self._producer.start()
        self._consumer = AIOKafkaConsumer(
            **consumer_options(self.settings, self.group_id, self.group_instance_id, self.tuning)
        )
        await self._consumer.start()
        # Subscribed once started, so that the group join runs in the background while the runner polls
        # (and can stop) rather than inside start(), which would wait for the assignment.
        self._consumer.subscribe([self.topic], listener=_RebalanceLog(self))
        log.info(
            "runner started",
            group=self.group_id,
            group_instance_id=self.group_instance_id,
            topic=self.topic,
        )

    async def stop(self) -> None:
        await self._close_clients(timeout_s=max(self._remaining(), 0.5))
        log.info("runner stopped", files=self.files_done)

    async def _close_clients(self, timeout_s: float) -> None:
        """Close the consumer (a dynamic member leaves the group, so its partitions move on at once),
        then the producer, each within `timeout_s`: a leave stuck behind a rebalance is abandoned."""
        consumer, self._consumer = self._consumer, None
        producer, self._producer = self._producer, None
        for client in (consumer, producer):
            if client is None:
                continue
            try:
                await asyncio.wait_for(client.stop(), timeout_s)
            except (TimeoutError, KafkaError, OSError) as exc:
                log.warning(
                    "client not closed cleanly", client=type(client).__name__, error=type(exc).__name__
                )

    def _remaining(self) -> float:
        """Seconds left of the stop grace (the whole grace when no stop was asked for)."""
        if self._stop_deadline is None:
            return self.settings.stop_grace_seconds
        return self._stop_deadline - time.monotonic()

    def _file_may_continue(self) -> bool:
        """Whether the file in hand may still be finished: no stop asked, or grace left for it."""
        return self._stop_deadline is None or self._remaining() > _CLOSE_RESERVE_S

    async def _unless_stopped(self, work: Awaitable[T]) -> T:
        """Await `work`, abandoning it as soon as a stop is requested."""
        task = asyncio.ensure_future(work)
        stop = asyncio.ensure_future(self.stop_requested.wait())
        try:
            await asyncio.wait({task, stop}, return_when=asyncio.FIRST_COMPLETED)
            if task.done():
                return task.result()
            raise _AbandonedError
        finally:
            stop.cancel()
            if not task.done():
                task.cancel()
                await asyncio.wait({task}, timeout=1.0)  # let it unwind before its clients are closed

    # --- the broker's health -----------------------------------------------------------------------

    def _maybe_check_broker(self, create: bool) -> None:
        """Every `broker_check_seconds`, in the background: does the broker answer, do its topics exist?

        When idle (`create`), missing topics are created again, so that partners can publish to a
        broker that came back empty. While a file is in hand they are not: the file's publish finds
        them missing, creates them and publishes again, so its answer is confirmed on the new topic."""
        now = time.monotonic()
        if now < self._next_check or (self._check is not None and not self._check.done()):
            return
        self._next_check = now + self.settings.broker_check_seconds
        self._check = asyncio.create_task(self._check_broker(create))

    async def _check_broker(self, create: bool) -> None:
        try:
            if create:
                await self._ensure_topics()
                return
            listed = await asyncio.wait_for(
                list_topics(self.settings.kafka_bootstrap_servers, int(_ADMIN_TIMEOUT_S * 1000)),
                _ADMIN_TIMEOUT_S,
            )
        except PublishError:
            return  # logged by _ensure_topics, or seen by the next check
        except TopicCreationError as exc:
            log.error("missing topics could not be created", error=str(exc))
            return
        self.metrics.broker_contact.set(time.time())
        if missing := sorted(set(self.topics) - listed):
            log.warning("topics missing on the broker", topics=missing)

    async def _ensure_topics(self) -> None:
        try:
            created = await asyncio.wait_for(
                ensure_topics(
                    self.settings.kafka_bootstrap_servers,
                    self.topics,
                    self.settings.topic_partitions,
                    self.settings.topic_replication_factor,
                    request_timeout_ms=int(_ADMIN_TIMEOUT_S * 1000),
                ),
                _ADMIN_TIMEOUT_S,
            )
        except (KafkaError, OSError, TimeoutError) as exc:
            log.warning(
                "broker check failed",
                bootstrap_servers=self.settings.kafka_bootstrap_servers,
                error=type(exc).__name__,
            )
            raise
        self.metrics.broker_contact.set(time.time())
        if created:
            # Only a broker that lost its topics (or a first start) gets here: worth an operator's look.
            self.metrics.topics_recreated.inc(len(created))
            log.warning("missing topics created", topics=created, partitions=self.settings.topic_partitions)

    def _waiting(self, service: str, waiting: bool) -> None:
        self.metrics.waiting.labels(service=service).set(1 if waiting else 0)

    # --- one record --------------------------------------------------------------------------------

    async def _poll(self) -> dict[TopicPartition, list[ConsumerRecord[Any, Any]]]:
        try:
            # getmany waits for the end of a rebalance whatever its timeout: a stop must not wait for it.
            batch: dict[TopicPartition, list[ConsumerRecord[Any, Any]]] = await self._unless_stopped(
                self.consumer.getmany(timeout_ms=500, max_records=1)
            )
        except KafkaError as exc:
            # The consumer cannot go on as it is (fenced, unknown member...): start it afresh.
            log.error("consumer failed, restarting it", error=type(exc).__name__)
            await self._close_clients(timeout_s=2.0)
            await self._start_when_ready()
            return {}
        self.metrics.last_poll.set(time.time())
        self._maybe_check_broker(create=True)
        await self._update_lag()
        return batch

    async def _process(self, record: ConsumerRecord[Any, Any]) -> None:
        started = time.perf_counter()
        partition = TopicPartition(record.topic, record.partition)
        self._in_hand = record
        try:
            packet = await self._while_polling(in_daemon_thread(lambda: self._packet_of(record)))
        except ClaimCheckError as exc:
            result = HandlingResult(outcome="dead-letter", dead_letter=str(exc))
        except OSError as exc:  # the claim-check store cannot be read: say so, and let an operator redrive
            reason = f"claim-check file unreadable ({exc.strerror or type(exc).__name__})"
            result = HandlingResult(outcome="dead-letter", dead_letter=reason)
        else:
            self.metrics.bytes.inc(packet.size)
            result = await self._handle(packet)
            self.faults.reach(FaultPoint.AFTER_STORE_COMMIT)
        await self._deliver(self._records_of(record, result))
        if result.dead_letter is not None:
            self._dead_lettered(record, result.dead_letter)
        await self._after_publish(result)
        await self._publish_more_events(result)
        self.faults.reach(FaultPoint.AFTER_PUBLISH)
        await self._while_polling(self._commit(partition, record.offset + 1))
        self._in_hand = None
        self.files_done += 1
        self._count(result, time.perf_counter() - started)

    def _packet_of(self, record: ConsumerRecord[Any, Any]) -> InboundPacket:
        """The packet a record carries; a claim check is redeemed (size first, then the digest)."""
        headers = {name: value for name, value in (record.headers or ())}
        content: bytes | Path = record.value or b""
        sha256 = None
        if headers.get(CONTENT_TYPE_HEADER) == CLAIM_CHECK_CONTENT_TYPE.encode():
            check = ClaimCheck.from_json(record.value or b"")
            content = redeem(check, self.settings.effective_claim_check_dir, self.settings.max_packet_bytes)
            sha256 = check.sha256  # verified by redeem: the pipeline need not read the file for it again
        return InboundPacket(
            key=record.key.decode("utf-8", "replace") if record.key else None,
            content=content,
            headers=headers,
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
            sha256=sha256,
        )

    async def _handle(self, packet: InboundPacket) -> HandlingResult:
        delay = self.tuning.retry_initial_s
        while True:
            try:
                result = await self._while_polling(in_daemon_thread(lambda: self.handler(packet)))
                self._waiting("database", False)
                return result
            except ServiceUnavailableError as exc:
                self.metrics.retries.inc()
                self._waiting("database", True)
                log.warning(
                    "transient failure, retrying", source=packet.source, reason=str(exc), delay_s=delay
                )
                if self.stop_requested.is_set():
                    raise _AbandonedError from None
                await self._while_polling(asyncio.sleep(delay), until_stopped=True)
                delay = min(delay * 2, self.tuning.retry_max_s)
            except _AbandonedError:
                raise
            except Exception as exc:
                # A bug must not block the partition forever, nor lose the packet: it goes to the DLQ.
                log.exception("handler failed", source=packet.source)
                return HandlingResult(
                    outcome="dead-letter", dead_letter=f"internal error: {type(exc).__name__}"
                )

    async def _while_polling(self, work: Awaitable[T], until_stopped: bool = False) -> T:
        """Await `work` while keeping the group membership alive: poll with every partition paused.

        After a stop request the work may go on while the grace allows (the file in hand is finished
        if it can be); `until_stopped` work (a wait before a retry) is abandoned at once."""
        task = asyncio.ensure_future(work)
        try:
            while not task.done():
                if self.stop_requested.is_set() and (until_stopped or not self._file_may_continue()):
                    raise _AbandonedError
                self.consumer.pause(*self.consumer.assignment())
                try:
                    # Bounded: during a rebalance getmany waits for the new assignment.
                    fetched = await asyncio.wait_for(self.consumer.getmany(timeout_ms=0), _POLL_WHILE_BUSY_S)
                except TimeoutError:
                    fetched = {}
                self.metrics.last_poll.set(time.time())
                self._maybe_check_broker(create=False)
                for partition, records in fetched.items():
                    # Partitions assigned by a rebalance meanwhile were not paused: give their records back.
                    self.consumer.seek(partition, records[0].offset)
                await asyncio.wait({task}, timeout=_POLL_WHILE_BUSY_S)
        finally:
            if not task.done():
                task.cancel()  # a thread's work goes on unobserved; its record stays uncommitted
            if self._consumer is not None:
                self._consumer.resume(*self._consumer.assignment())
        return task.result()

    # --- publishing --------------------------------------------------------------------------------

    def _records_of(self, record: ConsumerRecord[Any, Any], result: HandlingResult) -> list[Outgoing]:
        outgoing = [reply_record(self.settings, reply) for reply in result.replies]
        outgoing += [event_record(self.settings, event) for event in result.events]
        if result.dead_letter is not None:
            headers = [(name, value) for name, value in (record.headers or ()) if name != REASON_HEADER]
            headers += [
                (REASON_HEADER, result.dead_letter.encode()),
                (SOURCE_HEADER, f"{record.topic}/{record.partition}/{record.offset}".encode()),
            ]
            outgoing.append(Outgoing(self.settings.topic_dlq, record.value, record.key, tuple(headers)))
        return outgoing

    async def _deliver(self, records: Sequence[Outgoing]) -> None:
        """Publish `records` until the broker has them on its topics: after each failure the topics
        are checked (missing ones recreated) and the same records sent again, with backoff."""
        delay = self.tuning.retry_initial_s
        while True:
            try:
                await self._while_polling(
                    publish_confirmed(self.producer, self.settings.kafka_bootstrap_servers, records)
                )
            except PublishError as exc:
                self.metrics.publish_retries.inc()
                self._waiting("broker", True)
                log.warning(
                    "publish not confirmed, retrying", error=str(exc) or type(exc).__name__, delay_s=delay
                )
                if self.stop_requested.is_set():
                    raise _AbandonedError from None
                with contextlib.suppress(*PublishError):
                    await self._while_polling(self._ensure_topics(), until_stopped=True)
                await self._while_polling(asyncio.sleep(delay), until_stopped=True)
                delay = min(delay * 2, self.tuning.retry_max_s)
            else:
                self._waiting("broker", False)
                if records:
                    self.metrics.broker_contact.set(time.time())
                return

    def _dead_lettered(self, record: ConsumerRecord[Any, Any], reason: str) -> None:
        self.metrics.dead_letters.inc()
        log.warning(
            "dead-lettered", source=f"{record.topic}/{record.partition}/{record.offset}", reason=reason
        )

    async def _publish_more_events(self, result: HandlingResult) -> None:
        """A file can raise more events than its result carries: publish the outbox page by page."""
        if result.more_events is None:
            return
        while True:
            page = await self._while_polling(in_daemon_thread(result.more_events))
            if not page.events:
                return
            await self._deliver([event_record(self.settings, event) for event in page.events])
            try:
                await self._while_polling(in_daemon_thread(page.sent))
            except _AbandonedError:
                raise
            except Exception as exc:
                # The page would come back unmarked forever: the outbox keeps it for the next packet.
                log.warning("could not record flag events as sent", error=type(exc).__name__)
                return

    async def _after_publish(self, result: HandlingResult) -> None:
        if result.after_publish is None:
            return
        try:
            await self._while_polling(in_daemon_thread(result.after_publish))
        except _AbandonedError:
            raise
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

    # --- metrics -----------------------------------------------------------------------------------

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
            try:
                # The position is known once fetching started; asking for it never waits on the broker.
                position = await asyncio.wait_for(self.consumer.position(partition), 0.5)
            except (TimeoutError, KafkaError, IllegalStateError):
                continue
            self.metrics.lag.labels(topic=partition.topic, partition=str(partition.partition)).set(
                max(highwater - position, 0)
            )
