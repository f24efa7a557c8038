"""The real `exchange run` stopped with SIGTERM at several points (joining the group, idle, a file in
hand, waiting for the broker or the database) is gone within Docker's 10 s grace and loses nothing;
started with the database or the broker down, it waits for them (with backoff, logged) instead of
exiting, and `exchange health` says what it waits for.

The bound asserted on an exit is 15 s: a behaviour bound (a stop that waits for a group join or for a
file to finish takes a minute or more), not a performance claim.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from consumers.embedded_broker import free_port
from consumers.faults import FaultPoint
from crypto.provision import AuthorityFolders
from exchange.db import create_db_engine, upgrade
from exchange.settings import Settings
from tests.pipeline.brokers import OwnBroker
from tests.pipeline.conftest import on_own_topics
from tests.pipeline.consumer_process import EXCHANGE, ConsumerProcess, wait_until
from tests.pipeline.effects import (
    benelux_files,
    clean_run_counts,
    lag,
    publish,
    published_answers,
    stored_answers,
    table_counts,
    wait_for_lag,
)
from tests.services import PostgresCluster

pytestmark = pytest.mark.slow  # real `exchange run` processes: seconds each


def _settings(be_settings: Settings, servers: str) -> Settings:
    return on_own_topics(be_settings, servers)


@pytest.fixture
def processes() -> Iterator[list[ConsumerProcess]]:
    started: list[ConsumerProcess] = []
    try:
        yield started
    finally:
        for process in started:
            process.close()


def _health(port: int) -> tuple[int, str]:
    done = subprocess.run(
        [EXCHANGE, "health", "--port", str(port)], capture_output=True, text=True, timeout=60, check=False
    )
    return done.returncode, done.stderr if done.returncode else done.stdout


def test_sigterm_while_joining_the_group_or_idle(
    kafka_bootstrap: str, tmp_path: Path, processes: list[ConsumerProcess]
) -> None:
    """A group join can take as long as the rebalance timeout (aiokafka: the session timeout) when the
    broker waits for members; the test broker takes about half of it to complete a new group's first
    join, so a long session gives a join that the SIGTERM lands in (asserted, not assumed)."""
    settings = _settings(Settings(data_dir=tmp_path / "be"), kafka_bootstrap)
    publish(settings, [])  # the topics
    joining = ConsumerProcess(
        settings, tmp_path / "joining.log", extra_env={"EXCHANGE_KAFKA_SESSION_TIMEOUT_MS": "120000"}
    )
    processes.append(joining)
    joining.wait_logged("partitions revoked")  # the join under way
    assert joining.assigned() is None
    assert joining.terminate() == 0
    assert joining.assigned() is None  # stopped while joining, not after

    idle = ConsumerProcess(
        _settings(Settings(data_dir=tmp_path / "be"), kafka_bootstrap), tmp_path / "idle.log"
    )
    processes.append(idle)
    wait_until(lambda: idle.assigned() is not None, 60, "an assignment")
    assert idle.terminate() == 0


def test_sigterm_with_a_file_in_hand_leaves_it_for_redelivery(
    be_settings: Settings,
    benelux: dict[str, AuthorityFolders],
    kafka_bootstrap: str,
    tmp_path: Path,
    processes: list[ConsumerProcess],
) -> None:
    settings = _settings(be_settings, kafka_bootstrap)
    packets = benelux_files(benelux, tmp_path)
    engine = create_db_engine(str(settings.database_url))
    upgrade(engine)
    publish(settings, packets.values())
    try:
        # The first file stalls inside its transaction: it cannot finish within the grace.
        stalled = ConsumerProcess(
            settings, tmp_path / "stalled.log", fault=FaultPoint.STALL_BEFORE_STORE_COMMIT
        )
        processes.append(stalled)
        stalled.wait_logged("fault injected")
        assert stalled.terminate() == 0
        assert stalled.events("stopped with the record in hand left uncommitted; it will be delivered again")
        assert lag(settings) == len(packets) and published_answers(settings, benelux) == {}

        restarted = ConsumerProcess(settings, tmp_path / "restarted.log")
        processes.append(restarted)
        wait_for_lag(settings, 0)
        restarted.stop()
        counts = table_counts(engine)
        assert counts == clean_run_counts(settings, (p for _, p in packets.values()), tmp_path)
        answers, stored = published_answers(settings, benelux), stored_answers(engine)
        assert {ref: len(copies) for ref, copies in answers.items()} == {ref: 1 for ref in packets}
        assert {ref: copies[0] for ref, copies in answers.items()} == stored
    finally:
        engine.dispose()


def test_no_broker_at_start_is_waited_for_and_reported_by_health(
    be_settings: Settings,
    benelux: dict[str, AuthorityFolders],
    kafka_bootstrap: str,
    tmp_path: Path,
    processes: list[ConsumerProcess],
) -> None:
    port, metrics = free_port(), free_port()
    settings = _settings(be_settings, f"127.0.0.1:{port}")  # nothing listens there yet
    packets = benelux_files(benelux, tmp_path)
    engine = create_db_engine(str(settings.database_url))
    upgrade(engine)
    broker = OwnBroker(tmp_path / "late-broker.log", port=port)
    try:
        runner = ConsumerProcess(settings, tmp_path / "runner.log", metrics_port=metrics)
        processes.append(runner)
        runner.wait_logged("broker unreachable, retrying", count=2)
        code, said = _health(metrics)
        assert code == 1 and said == "error: exchange run is waiting for the broker (see its log)\n"

        broker.start()
        publish(settings, packets.values())
        wait_for_lag(settings, 0)
        assert {ref: len(copies) for ref, copies in published_answers(settings, benelux).items()} == {
            ref: 1 for ref in packets
        }
        code, said = _health(metrics)
        assert code == 0 and said.startswith("consuming: last poll")

        assert runner.terminate() == 0
        code, said = _health(metrics)
        assert code == 1 and said.startswith(f"error: no exchange run answers on metrics port {metrics}")
        assert said.count("\n") == 1
    finally:
        broker.close()
        engine.dispose()


def test_sigterm_while_waiting_for_the_broker_or_the_database(
    be_settings: Settings, kafka_bootstrap: str, tmp_path: Path, processes: list[ConsumerProcess]
) -> None:
    no_broker = ConsumerProcess(
        _settings(be_settings, f"127.0.0.1:{free_port()}"), tmp_path / "no-broker.log"
    )
    no_database = ConsumerProcess(
        _settings(be_settings, kafka_bootstrap).model_copy(
            update={"database_url": f"postgresql://postgres@127.0.0.1:{free_port()}/exchange"}
        ),
        tmp_path / "no-database.log",
    )
    processes += [no_broker, no_database]
    no_broker.wait_logged("broker unreachable, retrying", count=2)
    no_database.wait_logged("database unavailable, retrying", count=2)
    assert no_broker.terminate() == 0
    assert no_database.terminate() == 0


@pytest.fixture
def outage_cluster(postgres_cluster: PostgresCluster) -> Iterator[PostgresCluster]:
    """A cluster of its own, since this test stops it (the shared one serves the other tests)."""
    cluster = PostgresCluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()


def test_database_down_at_start_is_waited_for(
    outage_cluster: PostgresCluster,
    benelux: dict[str, AuthorityFolders],
    kafka_bootstrap: str,
    tmp_path: Path,
    processes: list[ConsumerProcess],
) -> None:
    be = Settings(
        data_dir=tmp_path / "be",
        database_url=outage_cluster.create_database("exchange"),
        keys_dir=benelux["BE"].keys_dir,
        partners_dir=benelux["BE"].partners_dir,
    )
    settings = _settings(be, kafka_bootstrap)
    packets = benelux_files(benelux, tmp_path)
    publish(settings, packets.values())
    outage_cluster.halt()
    # The restarted server dies with the thread that starts it: one that outlives the test's use of it.
    keeper = ThreadPoolExecutor(max_workers=1, thread_name_prefix="postgres-keeper")
    try:
        runner = ConsumerProcess(settings, tmp_path / "runner.log")
        processes.append(runner)
        runner.wait_logged("database unavailable, retrying", count=3)
        assert lag(settings) == len(packets)
        keeper.submit(outage_cluster.restart).result()
        wait_for_lag(settings, 0)
        runner.stop()
        engine = create_db_engine(str(settings.database_url))
        try:
            answers, stored = published_answers(settings, benelux), stored_answers(engine)
        finally:
            engine.dispose()
        assert {ref: len(copies) for ref, copies in answers.items()} == {ref: 1 for ref in packets}
        assert {ref: copies[0] for ref, copies in answers.items()} == stored
    finally:
        outage_cluster.halt()
        keeper.shutdown()
