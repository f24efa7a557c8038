"""`exchange run` as a process: the runner, its metrics endpoint, and signals that stop it cleanly.

Neither a database nor a broker that is down at start ends the process: it waits for each with backoff,
logging every attempt, and `exchange health` says what it waits for. A stop (SIGTERM, SIGINT) is obeyed
at any point within `stop_grace_seconds`.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from consumers.faults import FaultInjector
from consumers.messages import PacketHandler
from consumers.metrics import RunnerMetrics
from consumers.runner import ConsumerTuning, InboundRunner, group_instance_id
from consumers.threads import busy_threads, in_daemon_thread
from exchange.errors import ConfigError, ServiceUnavailableError
from exchange.logs import get_logger
from exchange.settings import Settings

log = get_logger(__name__)
_SIGNALS = (signal.SIGTERM, signal.SIGINT)


@dataclass(frozen=True)
class ServeOutcome:
    files: int
    # Work still running in a thread (a file abandoned by the stop): the process must exit without
    # waiting for it; its uncommitted record is delivered again.
    left_work_behind: bool


async def serve(
    settings: Settings,
    prepare: Callable[[], PacketHandler],
    tuning: ConsumerTuning | None = None,
    faults: FaultInjector | None = None,
    *,
    topic: str | None = None,
    group_id: str | None = None,
    topics: Sequence[str] | None = None,
) -> ServeOutcome:
    """Run until SIGTERM or SIGINT. `prepare` (the store's checks and migrations) runs first, in a
    thread, and is retried while it raises ServiceUnavailableError. `topic` and `group_id` are those of
    `exchange run` unless given (`exchange submissions`)."""
    tuning = tuning or ConsumerTuning.from_settings(settings)
    metrics = RunnerMetrics()
    if settings.metrics_port:
        try:
            metrics.serve(settings.metrics_port)
        except OSError as exc:
            raise ConfigError(
                f"cannot serve metrics on port {settings.metrics_port} ({exc.strerror}): set "
                "EXCHANGE_METRICS_PORT to a free port (0 turns metrics off)"
            ) from None
    stop = asyncio.Event()
    runners: list[InboundRunner] = []
    loop = asyncio.get_running_loop()
    for signum in _SIGNALS:
        loop.add_signal_handler(signum, _stopper(stop, runners, signum))
    try:
        handler = await _when_ready(prepare, stop, metrics, tuning)
        if handler is None:
            return ServeOutcome(0, busy_threads() > 0)
        runner = InboundRunner(
            settings,
            handler,
            group_instance_id=group_instance_id(settings),
            tuning=tuning,
            metrics=metrics,
            faults=faults,
            topic=topic,
            group_id=group_id,
            topics=topics,
        )
        runners.append(runner)
        if stop.is_set():
            runner.request_stop()
        await runner.run()
    finally:
        for signum in _SIGNALS:
            loop.remove_signal_handler(signum)
    return ServeOutcome(runner.files_done, busy_threads() > 0)


async def _when_ready(
    prepare: Callable[[], PacketHandler],
    stop: asyncio.Event,
    metrics: RunnerMetrics,
    tuning: ConsumerTuning,
) -> PacketHandler | None:
    """The handler once `prepare` succeeds, retried with backoff; None when stopped meanwhile."""
    delay = tuning.retry_initial_s
    waiting = metrics.waiting.labels(service="database")
    while True:
        attempt = in_daemon_thread(prepare)
        if not await _first_or_stop(attempt, stop):
            return None
        try:
            handler = attempt.result()
        except ServiceUnavailableError as exc:
            waiting.set(1)
            log.warning("database unavailable, retrying", reason=str(exc), delay_s=delay)
            if not await _first_or_stop(asyncio.ensure_future(asyncio.sleep(delay)), stop):
                return None
            delay = min(delay * 2, tuning.retry_max_s)
        else:
            waiting.set(0)
            return handler


async def _first_or_stop(work: asyncio.Future[Any], stop: asyncio.Event) -> bool:
    """Wait for `work` or a stop; True when the work finished first (a stop abandons it)."""
    stopped = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({work, stopped}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopped.cancel()
    if work.done():
        return True
    work.cancel()
    return False


def _stopper(stop: asyncio.Event, runners: list[InboundRunner], signum: int) -> Callable[[], None]:
    def request() -> None:
        log.info("stop requested", signal=signal.Signals(signum).name)
        stop.set()
        for runner in runners:
            runner.request_stop()

    return request
