"""`exchange run` with our key open to others: the packet waits for the operator, it is not dead-lettered."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

from consumers.admin import ensure_topics
from consumers.pipeline_handler import PipelineHandler
from consumers.runner import ConsumerTuning, InboundRunner
from crypto.provision import provision_authorities
from exchange.db import create_db_engine, upgrade
from exchange.pipeline import Pipeline
from exchange.settings import Settings
from tests.kafka_helpers import produce, read_topic, wait_for
from tests.pipeline.conftest import crs_file, open_answer, seal, status_of

FAST = ConsumerTuning(
    session_timeout_ms=2000, heartbeat_interval_ms=300, max_poll_interval_ms=10000, retry_initial_s=0.05
)


def test_an_open_key_holds_the_packet_until_it_is_fixed(
    kafka_bootstrap: str, db_url: str, tmp_path: Path
) -> None:
    authorities = provision_authorities(tmp_path / "authorities", ["BE", "LU"])
    run = uuid.uuid4().hex[:8]
    settings = Settings(
        data_dir=tmp_path / "be",
        database_url=db_url,
        keys_dir=authorities["BE"].keys_dir,
        partners_dir=authorities["BE"].partners_dir,
        kafka_bootstrap_servers=kafka_bootstrap,
        topic_inbound=f"in-{run}",
        topic_status=f"status-{run}",
        topic_dlq=f"dlq-{run}",
        topic_flags=f"flags-{run}",
        topic_partitions=1,
    )
    packet = seal(
        crs_file("LU", message_ref_id="LU2025BE0001"), authorities["LU"], authorities["BE"], tmp_path
    )
    key_file = authorities["BE"].keys_dir / "BE" / "current.key.pem"
    key_file.chmod(0o640)  # e.g. a rotation key copied in without its mode
    engine = create_db_engine(db_url)
    upgrade(engine)
    runner = InboundRunner(
        settings, PipelineHandler(Pipeline(settings, engine)), group_id=f"be-{run}", tuning=FAST
    )

    async def scenario() -> None:
        topics = [settings.topic_inbound, settings.topic_status, settings.topic_dlq, settings.topic_flags]
        await ensure_topics(kafka_bootstrap, topics, 1, 1)
        await produce(kafka_bootstrap, settings.topic_inbound, packet, b"LU")
        task = asyncio.create_task(runner.run())
        try:
            await wait_for(lambda: runner.metrics.retries._value.get() >= 2 or task.done(), 30)
            assert runner.files_done == 0 and not task.done()
            key_file.chmod(0o600)  # the operator's fix, as the warning says
            await wait_for(lambda: runner.files_done == 1 or task.done(), 60)
        finally:
            runner.request_stop()
            await task
        assert await read_topic(kafka_bootstrap, settings.topic_dlq, 1, timeout_s=2) == []
        (answer,) = await read_topic(kafka_bootstrap, settings.topic_status, 1)
        assert status_of(open_answer(answer.value, authorities["LU"])) == "Accepted"

    try:
        asyncio.run(scenario())
    finally:
        engine.dispose()
