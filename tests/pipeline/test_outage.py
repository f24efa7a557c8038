"""PostgreSQL stopped in the middle of a file and started again: the runner retries with backoff and
commits nothing meanwhile; afterwards nothing is lost and nothing is doubled."""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from consumers.backlog import broker_backlog
from consumers.pipeline_handler import PipelineHandler
from consumers.runner import ConsumerTuning, InboundRunner
from crypto.provision import AuthorityFolders
from exchange.db import create_db_engine, upgrade
from exchange.pipeline import Pipeline
from exchange.settings import Settings
from tests.kafka_helpers import wait_for
from tests.pipeline.effects import (
    benelux_files,
    clean_run_counts,
    publish,
    published_answers,
    stored_answers,
    table_counts,
)
from tests.services import PostgresCluster

TUNING = ConsumerTuning(
    session_timeout_ms=2000,
    heartbeat_interval_ms=300,
    max_poll_interval_ms=10_000,
    retry_initial_s=0.1,
    retry_max_s=0.5,
)


@pytest.fixture
def outage_cluster(postgres_cluster: PostgresCluster) -> Iterator[PostgresCluster]:
    """A cluster of its own, since this test stops it (the shared one, required first so that a missing
    PostgreSQL skips or fails as everywhere else, serves the other tests undisturbed)."""
    cluster = PostgresCluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()


def test_postgres_stopped_mid_file_then_restarted_loses_and_doubles_nothing(
    outage_cluster: PostgresCluster,
    benelux: dict[str, AuthorityFolders],
    kafka_bootstrap: str,
    tmp_path: Path,
) -> None:
    run = uuid.uuid4().hex[:8]
    settings = Settings(
        data_dir=tmp_path / "be",
        database_url=outage_cluster.create_database("exchange"),
        keys_dir=benelux["BE"].keys_dir,
        partners_dir=benelux["BE"].partners_dir,
        kafka_bootstrap_servers=kafka_bootstrap,
        kafka_consumer_group=f"be-{run}",
        topic_inbound=f"in-{run}",
        topic_status=f"status-{run}",
        topic_dlq=f"dlq-{run}",
        topic_flags=f"flags-{run}",
        topic_partitions=2,
    )
    packets = benelux_files(benelux, tmp_path)
    engine = create_db_engine(str(settings.database_url))
    upgrade(engine)
    publish(settings, packets.values())
    halted = threading.Event()

    def halt_mid_file(records_seen: int) -> None:
        # Called inside the first file's open transaction, with its first batch written.
        if not halted.is_set():
            halted.set()
            outage_cluster.halt()

    pipeline = Pipeline(settings, engine, on_batch=halt_mid_file)
    runner = InboundRunner(
        settings, PipelineHandler(pipeline), group_id=settings.kafka_consumer_group, tuning=TUNING
    )

    # Linux signals a child when the *thread* that started it ends (PR_SET_PDEATHSIG), so the restarted
    # server must not be started from asyncio's default pool, which ends with the event loop.
    keeper = ThreadPoolExecutor(max_workers=1, thread_name_prefix="postgres-keeper")

    async def scenario() -> None:
        task = asyncio.create_task(runner.run())
        try:
            await wait_for(lambda: runner.metrics.retries._value.get() >= 3 or task.done(), 60)
            assert halted.is_set() and not task.done()
            assert runner.files_done == 0  # the same record is retried; nothing after it is taken
            assert (await broker_backlog(settings)).total_lag == len(packets)  # nothing committed
            await asyncio.get_running_loop().run_in_executor(keeper, outage_cluster.restart)
            await wait_for(lambda: runner.files_done == len(packets) or task.done(), 60)
        finally:
            runner.request_stop()
            await task
        assert (await broker_backlog(settings)).total_lag == 0

    try:
        asyncio.run(scenario())
        counts = table_counts(engine)
        assert counts == clean_run_counts(settings, (p for _, p in packets.values()), tmp_path)
        assert counts["ReceivedFile"] == 3 and counts["AccountReportRow"] == 5
        answers, stored = published_answers(settings, benelux), stored_answers(engine)
        assert {ref: len(copies) for ref, copies in answers.items()} == {ref: 1 for ref in packets}
        assert {ref: copies[0] for ref, copies in answers.items()} == stored
    finally:
        engine.dispose()
        outage_cluster.halt()
        keeper.shutdown()
