"""`exchange run` as a process: the runner, its metrics endpoint, and signals that stop it cleanly."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable

from consumers.faults import FaultInjector
from consumers.messages import PacketHandler
from consumers.metrics import RunnerMetrics
from consumers.runner import ConsumerTuning, InboundRunner
from exchange.logs import get_logger
from exchange.settings import Settings

log = get_logger(__name__)


async def serve(
    settings: Settings,
    handler: PacketHandler,
    tuning: ConsumerTuning | None = None,
    faults: FaultInjector | None = None,
) -> int:
    """Run until SIGTERM or SIGINT: the file in hand is finished (or left uncommitted), then leave."""
    metrics = RunnerMetrics()
    if settings.metrics_port:
        metrics.serve(settings.metrics_port)
    runner = InboundRunner(settings, handler, tuning=tuning, metrics=metrics, faults=faults)
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, _stopper(runner, signum))
    try:
        await runner.run()
    finally:
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(signum)
    return runner.files_done


def _stopper(runner: InboundRunner, signum: int) -> Callable[[], None]:
    def stop() -> None:
        log.info("stop requested", signal=signal.Signals(signum).name)
        runner.request_stop()

    return stop
