"""The inbound runner through the real broker, with handlers that stand for the pipeline's behaviours."""

from __future__ import annotations

import asyncio
import hashlib
import threading
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from consumers.admin import ensure_topics
from consumers.claim_check import ClaimCheck, deposit
from consumers.messages import (
    CLAIM_CHECK_CONTENT_TYPE,
    CONTENT_TYPE_HEADER,
    FILENAME_HEADER,
    REASON_HEADER,
    SOURCE_HEADER,
    HandlingResult,
    InboundPacket,
    Reply,
)
from consumers.runner import ConsumerTuning, InboundRunner
from exchange.errors import ServiceUnavailableError
from exchange.settings import Settings
from tests.kafka_helpers import produce, read_topic, wait_for

FAST = ConsumerTuning(
    session_timeout_ms=2000, heartbeat_interval_ms=300, max_poll_interval_ms=2000, retry_initial_s=0.05
)


def _settings(kafka_bootstrap: str, tmp_path: Path) -> Settings:
    run = uuid.uuid4().hex[:8]
    return Settings(
        data_dir=tmp_path,
        kafka_bootstrap_servers=kafka_bootstrap,
        topic_inbound=f"in-{run}",
        topic_status=f"status-{run}",
        topic_dlq=f"dlq-{run}",
        topic_flags=f"flags-{run}",
        topic_partitions=2,
    )


async def _create_topics(settings: Settings) -> None:
    topics = [settings.topic_inbound, settings.topic_status, settings.topic_dlq, settings.topic_flags]
    await ensure_topics(settings.kafka_bootstrap_servers, topics, settings.topic_partitions, 1)


class EchoHandler:
    """Answers every packet to its sender with the packet's digest; records what it saw."""

    def __init__(self) -> None:
        self.seen: list[InboundPacket] = []
        self.lock = threading.Lock()

    def __call__(self, packet: InboundPacket) -> HandlingResult:
        data = packet.content if isinstance(packet.content, bytes) else packet.content.read_bytes()
        with self.lock:
            self.seen.append(packet)
        reply = Reply(packet.key or "??", hashlib.sha256(data).hexdigest().encode(), "status.zip")
        return HandlingResult(outcome="accepted", replies=(reply,), codes=(60002,))


async def _run_until(runner: InboundRunner, condition: Callable[[], bool], timeout_s: float = 30) -> None:
    task = asyncio.create_task(runner.run())
    try:
        await wait_for(lambda: condition() or task.done(), timeout_s)
    finally:
        runner.request_stop()
        await asyncio.wait_for(task, 30)


def _run(coroutine: Awaitable[None]) -> None:
    asyncio.run(coroutine)  # type: ignore[arg-type]


def test_inline_packet_is_answered_then_committed(kafka_bootstrap: str, tmp_path: Path) -> None:
    settings = _settings(kafka_bootstrap, tmp_path)
    handler = EchoHandler()

    async def scenario() -> None:
        await _create_topics(settings)
        runner = InboundRunner(settings, handler, group_id=f"g-{uuid.uuid4().hex}", tuning=FAST)
        for sender in ("NL", "LU"):
            await produce(
                kafka_bootstrap, settings.topic_inbound, f"packet from {sender}".encode(), sender.encode()
            )
        await _run_until(runner, lambda: runner.files_done == 2)
        replies = await read_topic(kafka_bootstrap, settings.topic_status, 2)
        assert sorted(r.key for r in replies) == [b"LU", b"NL"]
        for reply in replies:
            assert (
                reply.value
                == hashlib.sha256(f"packet from {reply.key.decode()}".encode()).hexdigest().encode()
            )
            assert dict(reply.headers)[FILENAME_HEADER] == b"status.zip"
        assert runner.metrics.files.labels(outcome="accepted")._value.get() == 2
        assert runner.metrics.findings.labels(code="60002")._value.get() == 2

        # Committed: a new runner in the same group gets nothing more.
        again = EchoHandler()
        second = InboundRunner(settings, again, group_id=runner.group_id, tuning=FAST)
        task = asyncio.create_task(second.run())
        await asyncio.sleep(4)
        second.request_stop()
        await task
        assert again.seen == []

    _run(scenario())
    assert {p.key for p in handler.seen} == {"NL", "LU"}


def test_claim_check_is_redeemed_and_bad_ones_dead_lettered(kafka_bootstrap: str, tmp_path: Path) -> None:
    settings = _settings(kafka_bootstrap, tmp_path)
    handler = EchoHandler()
    big = bytes(range(256)) * 4096
    check = deposit(big, settings.effective_claim_check_dir)
    forged = ClaimCheck(uri=check.uri, sha256="0" * 64, size=check.size)
    outside = deposit(b"elsewhere", tmp_path / "not-the-store")
    marked = [(CONTENT_TYPE_HEADER, CLAIM_CHECK_CONTENT_TYPE.encode())]

    async def scenario() -> None:
        await _create_topics(settings)
        runner = InboundRunner(settings, handler, group_id=f"g-{uuid.uuid4().hex}", tuning=FAST)
        for value in (check.to_json(), forged.to_json(), outside.to_json(), b"{not json"):
            await produce(kafka_bootstrap, settings.topic_inbound, value, b"NL", marked)
        await _run_until(runner, lambda: runner.files_done == 4)
        dead = await read_topic(kafka_bootstrap, settings.topic_dlq, 3)
        reasons = sorted(dict(r.headers)[REASON_HEADER].decode() for r in dead)
        assert len(reasons) == 3
        assert any("SHA-256 does not match" in r for r in reasons)
        assert any("outside the configured claim-check store" in r for r in reasons)
        assert any("malformed claim-check" in r for r in reasons)
        for record in dead:  # the original record travels on, with where it came from
            assert record.key == b"NL"
            assert dict(record.headers)[CONTENT_TYPE_HEADER] == CLAIM_CHECK_CONTENT_TYPE.encode()
            assert dict(record.headers)[SOURCE_HEADER].startswith(settings.topic_inbound.encode())
        assert runner.metrics.dead_letters._value.get() == 3

    _run(scenario())
    assert len(handler.seen) == 1
    assert isinstance(handler.seen[0].content, Path)
    assert handler.seen[0].content.read_bytes() == big


def test_transient_failures_are_retried_not_skipped(kafka_bootstrap: str, tmp_path: Path) -> None:
    settings = _settings(kafka_bootstrap, tmp_path)
    calls: list[int] = []

    def flaky(packet: InboundPacket) -> HandlingResult:
        calls.append(packet.offset)
        if len(calls) <= 3:
            raise ServiceUnavailableError("database is unreachable")
        return HandlingResult(outcome="accepted", replies=(Reply("NL", b"ok", "s.zip"),))

    async def scenario() -> None:
        await _create_topics(settings)
        runner = InboundRunner(settings, flaky, group_id=f"g-{uuid.uuid4().hex}", tuning=FAST)
        await produce(kafka_bootstrap, settings.topic_inbound, b"p1", b"NL")
        await produce(kafka_bootstrap, settings.topic_inbound, b"p2", b"NL")
        await _run_until(runner, lambda: runner.files_done == 2)
        assert runner.metrics.retries._value.get() == 3

    _run(scenario())
    # The first record is retried until it succeeds, and only then does the next one start.
    assert calls[:4] == [calls[0]] * 4 and len(calls) == 5


def test_stop_during_retries_leaves_the_record_for_redelivery(kafka_bootstrap: str, tmp_path: Path) -> None:
    settings = _settings(kafka_bootstrap, tmp_path)
    group = f"g-{uuid.uuid4().hex}"

    def down(packet: InboundPacket) -> HandlingResult:
        raise ServiceUnavailableError("database is unreachable")

    async def scenario() -> None:
        await _create_topics(settings)
        runner = InboundRunner(settings, down, group_id=group, tuning=FAST)
        await produce(kafka_bootstrap, settings.topic_inbound, b"keep me", b"LU")
        await _run_until(runner, lambda: runner.metrics.retries._value.get() >= 2)
        assert runner.files_done == 0

        recovered = EchoHandler()
        second = InboundRunner(settings, recovered, group_id=group, tuning=FAST)
        await _run_until(second, lambda: second.files_done == 1)
        assert [p.content for p in recovered.seen] == [b"keep me"]

    _run(scenario())


def test_a_bug_in_the_handler_dead_letters_instead_of_blocking(kafka_bootstrap: str, tmp_path: Path) -> None:
    settings = _settings(kafka_bootstrap, tmp_path)

    def broken(packet: InboundPacket) -> HandlingResult:
        raise KeyError("a bug")

    async def scenario() -> None:
        await _create_topics(settings)
        runner = InboundRunner(settings, broken, group_id=f"g-{uuid.uuid4().hex}", tuning=FAST)
        await produce(kafka_bootstrap, settings.topic_inbound, b"poison", b"NL")
        await _run_until(runner, lambda: runner.files_done == 1)
        (dead,) = await read_topic(kafka_bootstrap, settings.topic_dlq, 1)
        assert dead.value == b"poison"
        assert dict(dead.headers)[REASON_HEADER] == b"internal error: KeyError"

    _run(scenario())


def test_a_file_slower_than_the_timeouts_is_processed_once(kafka_bootstrap: str, tmp_path: Path) -> None:
    """Session timeout and poll interval are 2 s; the file takes 7 s; nobody else may take it meanwhile."""
    settings = _settings(kafka_bootstrap, tmp_path)
    group = f"g-{uuid.uuid4().hex}"
    calls: list[str] = []

    def slow(packet: InboundPacket) -> HandlingResult:
        calls.append("slow")
        time.sleep(7)
        return HandlingResult(outcome="accepted", replies=(Reply("NL", b"done", "s.zip"),))

    async def scenario() -> None:
        await _create_topics(settings)
        runner = InboundRunner(settings, slow, group_id=group, tuning=FAST)
        await produce(kafka_bootstrap, settings.topic_inbound, b"long file", b"NL")
        await _run_until(runner, lambda: runner.files_done == 1, timeout_s=40)
        assert runner.assignments == 1  # never left the group, so never re-joined
        replies = await read_topic(kafka_bootstrap, settings.topic_status, 1)
        assert [r.value for r in replies] == [b"done"]
        # And the offset was committed: the same group does not see the file again.
        again = EchoHandler()
        second = InboundRunner(settings, again, group_id=group, tuning=FAST)
        task = asyncio.create_task(second.run())
        await asyncio.sleep(4)
        second.request_stop()
        await task
        assert again.seen == []

    _run(scenario())
    assert calls == ["slow"]


@pytest.mark.parametrize("count", [6])
def test_two_runners_share_the_partitions(kafka_bootstrap: str, tmp_path: Path, count: int) -> None:
    settings = _settings(kafka_bootstrap, tmp_path)
    group = f"g-{uuid.uuid4().hex}"
    first, second = EchoHandler(), EchoHandler()

    async def scenario() -> None:
        await _create_topics(settings)
        a = InboundRunner(settings, first, group_id=group, tuning=FAST)
        b = InboundRunner(settings, second, group_id=group, tuning=FAST)
        for n in range(count):
            await produce(
                kafka_bootstrap, settings.topic_inbound, f"file {n}".encode(), ("NL", "LU")[n % 2].encode()
            )
        tasks = [asyncio.create_task(r.run()) for r in (a, b)]
        await wait_for(lambda: a.files_done + b.files_done >= count, 40)
        for runner in (a, b):
            runner.request_stop()
        await asyncio.gather(*tasks)

    _run(scenario())
    contents = sorted(p.content for p in first.seen + second.seen if isinstance(p.content, bytes))
    assert contents == sorted(f"file {n}".encode() for n in range(count))
