"""`exchange run` as the crash tests start it: the same wiring (settings from EXCHANGE_* variables, the
fault injector read from EXCHANGE_FAULT_INJECT, the pipeline handler, `serve()` with its signals), with
the short group timeouts under which a killed member's partitions move on within seconds.

    python -m tests.pipeline.consumer_child
"""

from __future__ import annotations

import asyncio
import sys

from consumers.faults import FaultInjector
from consumers.pipeline_handler import pipeline_handler
from consumers.runner import ConsumerTuning
from consumers.service import serve
from exchange import db
from exchange.instance import claim_store
from exchange.logs import configure_logging
from exchange.settings import load_settings

TUNING = ConsumerTuning(
    session_timeout_ms=2000,
    heartbeat_interval_ms=300,
    max_poll_interval_ms=10_000,
    retry_initial_s=0.1,
    retry_max_s=1.0,
)


def main() -> int:
    settings = load_settings()
    configure_logging(settings.log_level, settings.log_format.value)
    faults = FaultInjector.from_environment()
    engine = db.create_db_engine(settings.effective_database_url)
    try:
        db.upgrade(engine)
        claim_store(engine, settings)
        asyncio.run(serve(settings, pipeline_handler(settings, engine, faults), TUNING, faults))
    finally:
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
