"""A consumer process killed with SIGKILL at each point of a file's path, then restarted: every file is
stored once, as one clean run stores it, and every sender has its status message (the very same bytes
when it went out twice). Through the real broker, on SQLite and on PostgreSQL.

The kills are placed by the fault injector (`consumers.faults`), armed in the child's environment.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from consumers.faults import KILL_POINTS, FaultPoint
from crypto.provision import AuthorityFolders
from exchange.db import create_db_engine, upgrade
from exchange.settings import Settings
from exchange.store import FileState
from exchange.store.queries import files
from tests.pipeline.conftest import on_own_topics
from tests.pipeline.consumer_process import ConsumerProcess, wait_until
from tests.pipeline.effects import (
    benelux_files,
    clean_run_counts,
    dead_letters,
    lag,
    publish,
    published_answers,
    stored_answers,
    table_counts,
    wait_for_lag,
)

pytestmark = pytest.mark.slow  # consumer processes started, killed and restarted: seconds each


def _consumer_settings(be_settings: Settings, kafka_bootstrap: str) -> Settings:
    return on_own_topics(be_settings, kafka_bootstrap)


@pytest.mark.parametrize("point", KILL_POINTS, ids=[point.value for point in KILL_POINTS])
def test_a_consumer_killed_and_restarted_stores_each_file_once_and_answers_it(
    point: FaultPoint,
    be_settings: Settings,
    benelux: dict[str, AuthorityFolders],
    kafka_bootstrap: str,
    tmp_path: Path,
) -> None:
    settings = _consumer_settings(be_settings, kafka_bootstrap)
    packets = benelux_files(benelux, tmp_path)
    engine = create_db_engine(str(settings.database_url))
    upgrade(engine)
    publish(settings, packets.values())
    consumers: list[ConsumerProcess] = []
    try:
        crashed = ConsumerProcess(settings, tmp_path / "crashed.log", fault=point)
        consumers.append(crashed)
        crashed.wait_killed()

        assert lag(settings) == len(packets)  # nothing committed to Kafka
        published_then = _left_by_the_kill(point, engine, settings, benelux)

        restarted = ConsumerProcess(settings, tmp_path / "restarted.log")
        consumers.append(restarted)
        wait_for_lag(settings, 0)
        restarted.stop()

        counts = table_counts(engine)
        assert counts == clean_run_counts(settings, (p for _, p in packets.values()), tmp_path)
        assert counts["ReceivedFile"] == 3 and counts["AccountReportRow"] == 5
        with Session(engine) as session:
            assert {file.state for file in files(session)} == {FileState.ANSWERED}

        answers = published_answers(settings, benelux)
        stored = stored_answers(engine)
        assert set(answers) == set(stored) == set(packets)
        expected_copies = {ref: 1 for ref in packets}
        if point is FaultPoint.AFTER_PUBLISH:  # published, then redelivered and published again
            (first_answered,) = published_then
            expected_copies[first_answered] = 2
        assert {ref: len(copies) for ref, copies in answers.items()} == expected_copies
        for ref, copies in answers.items():
            assert set(copies) == {stored[ref]}
        assert dead_letters(settings) == 0
    finally:
        for consumer in consumers:
            consumer.close()
        engine.dispose()


def test_a_consumer_killed_mid_file_is_taken_over_by_the_other(
    be_settings: Settings,
    benelux: dict[str, AuthorityFolders],
    kafka_bootstrap: str,
    tmp_path: Path,
) -> None:
    """Two consumers share the two partitions; the one that dies inside its file's transaction leaves
    that file to the survivor, which stores it once and answers it once."""
    settings = _consumer_settings(be_settings, kafka_bootstrap)
    packets = benelux_files(benelux, tmp_path)
    sent = {ref: packets[ref] for ref in ("LU2025BE0001", "NL2025BE0002")}
    engine = create_db_engine(str(settings.database_url))
    upgrade(engine)
    publish(settings, [])  # the topics, so that both members are assigned a partition at once
    consumers: list[ConsumerProcess] = []
    try:
        doomed = ConsumerProcess(settings, tmp_path / "doomed.log", fault=FaultPoint.BEFORE_STORE_COMMIT)
        consumers.append(doomed)
        wait_until(lambda: doomed.assigned() == {0, 1}, 30, "the first consumer holds both partitions")
        survivor = ConsumerProcess(settings, tmp_path / "survivor.log")
        consumers.append(survivor)
        wait_until(lambda: _split(doomed, survivor), 30, "each consumer holds one partition")

        publish(settings, sent.values(), partitions=[0, 1])  # one file for each consumer
        doomed.wait_killed()
        wait_for_lag(settings, 0)
        assert survivor.alive()
        survivor.stop()
        assert len(survivor.events("packet processed")) == 2  # its own file and the one it took over

        counts = table_counts(engine)
        assert counts == clean_run_counts(settings, (p for _, p in sent.values()), tmp_path)
        assert counts["ReceivedFile"] == 2 and counts["AccountReportRow"] == 4
        answers, stored = published_answers(settings, benelux), stored_answers(engine)
        assert {ref: len(copies) for ref, copies in answers.items()} == {ref: 1 for ref in sent}
        assert {ref: copies[0] for ref, copies in answers.items()} == stored
    finally:
        for consumer in consumers:
            consumer.close()
        engine.dispose()


def _left_by_the_kill(
    point: FaultPoint, engine: Engine, settings: Settings, benelux: dict[str, AuthorityFolders]
) -> dict[str, list[bytes]]:
    """What the first file left in the store and on the status topic when its process was killed:
    exactly what the point says, and no more. Returns what was published."""
    stored, published = table_counts(engine), published_answers(settings, benelux)
    if point is FaultPoint.BEFORE_STORE_COMMIT:
        assert stored["AccountReportRow"] == stored["StatusMessageRow"] == 0
        assert published == {}
    elif point is FaultPoint.AFTER_STORE_COMMIT:
        assert stored["StatusMessageRow"] == 1 and stored["AccountReportRow"] > 0
        assert published == {}
    else:
        assert stored["StatusMessageRow"] == 1
        assert sum(len(copies) for copies in published.values()) == 1
    return published


def _split(first: ConsumerProcess, second: ConsumerProcess) -> bool:
    mine, theirs = first.assigned() or set(), second.assigned() or set()
    return bool(mine) and bool(theirs) and not mine & theirs and mine | theirs == {0, 1}
