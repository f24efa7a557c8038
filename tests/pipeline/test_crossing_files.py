"""Two `exchange run` workers on PostgreSQL, each taking one partition, evaluate at the same moment a file
from NL and a file from LU about the same taxpayers: the taxpayer-level flags (AC02 counts the accounts
of both senders, DC02 and SB01 sum them) and the risk scores come out as when the two files are processed
one after the other, every flag once, with no deadlock (the workers end; a deadlock would fail a file,
dead-letter it or leave the lag above zero).

The oracle is the same two packets through `Pipeline.process` one after the other on a database of its
own, loaded with the same registry. DC03 is left out (its cohorts are statistics of the whole store at
the moment of evaluation, not of a taxpayer, so they depend on what else was stored by then).
"""

from __future__ import annotations

import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text

from bench.crs_packets import FileSpec, load_registry, sealed_packet
from crypto.provision import AuthorityFolders
from exchange.anomalies import evaluate_all
from exchange.anomalies.scores import combined_score
from exchange.db import create_db_engine, upgrade
from exchange.pipeline import Pipeline
from exchange.settings import Settings
from tests.pipeline.consumer_process import ConsumerProcess, wait_until
from tests.pipeline.effects import dead_letters, publish, wait_for_lag
from tests.services import PostgresCluster

pytestmark = pytest.mark.slow  # two consumer processes and two sealed files of a few hundred reports

REPORTS = 1000  # per file; both files report about the same 3,000 people
# AC02 fires only on a holder with accounts in both files; DC03 never fires (see the docstring).
THRESHOLDS = {"flag_many_accounts_min": 2, "flag_cohort_min_size": 1_000_000}
SPECS = (FileSpec(1, REPORTS, "NL"), FileSpec(2, REPORTS, "LU"))


def test_files_of_two_senders_about_the_same_taxpayers_flag_as_one_after_the_other(
    benelux: dict[str, AuthorityFolders],
    postgres_cluster: PostgresCluster,
    kafka_bootstrap: str,
    tmp_path: Path,
) -> None:
    packets = [
        (
            spec.sender,
            sealed_packet(spec.file_no, spec.reports, benelux[spec.sender], benelux["BE"], tmp_path),
        )
        for spec in SPECS
    ]
    concurrent = _settings(benelux, postgres_cluster, tmp_path / "concurrent", kafka_bootstrap)
    sequential = _settings(benelux, postgres_cluster, tmp_path / "sequential", kafka_bootstrap)
    engines = [create_db_engine(str(s.database_url)) for s in (concurrent, sequential)]
    workers: list[ConsumerProcess] = []
    try:
        for engine in engines:
            upgrade(engine)
            load_registry(engine, list(SPECS))

        pipeline = Pipeline(sequential, engines[1])
        for _, packet in packets:
            assert pipeline.process(packet).disposition == "accepted"

        publish(concurrent, [])  # the topics first, so that each worker is assigned a partition at once
        env = {f"EXCHANGE_{name.upper()}": str(value) for name, value in THRESHOLDS.items()}
        workers = [ConsumerProcess(concurrent, tmp_path / f"worker-{n}.log", extra_env=env) for n in (1, 2)]
        wait_until(lambda: _split(*workers), 60, "each worker holds one partition")
        publish(concurrent, [(sender, packet.read_bytes()) for sender, packet in packets], partitions=[0, 1])
        wait_for_lag(concurrent, 0, timeout_s=300)
        for worker in workers:
            worker.stop()
        assert [len(worker.events("packet processed")) for worker in workers] == [1, 1]
        assert dead_letters(concurrent) == 0

        flags = [_flags(engine) for engine in engines]
        assert flags[0] == flags[1]
        # AC02 needs two accounts, one from each file: a holder's accounts of both senders were counted.
        assert Counter(code for code, *_ in flags[0])["AC02"] >= REPORTS // 2
        assert _risk(engines[0]) == _risk(engines[1]) == _risk_from_flags(engines[0])
        assert _events_replay_to_the_flags(engines[0])
        assert evaluate_all(engines[0], concurrent).counts() == evaluate_all(engines[1], sequential).counts()
    finally:
        for worker in workers:
            worker.close()
        for engine in engines:
            engine.dispose()


def _settings(
    benelux: dict[str, AuthorityFolders], cluster: PostgresCluster, data_dir: Path, servers: str
) -> Settings:
    run = uuid.uuid4().hex[:8]
    return Settings(
        data_dir=data_dir,
        database_url=cluster.create_database(f"t_{run}"),
        keys_dir=benelux["BE"].keys_dir,
        partners_dir=benelux["BE"].partners_dir,
        kafka_bootstrap_servers=servers,
        kafka_consumer_group=f"be-{run}",
        topic_inbound=f"in-{run}",
        topic_status=f"status-{run}",
        topic_dlq=f"dlq-{run}",
        topic_flags=f"flags-{run}",
        topic_partitions=2,
        **THRESHOLDS,  # type: ignore[arg-type]
    )


def _split(first: ConsumerProcess, second: ConsumerProcess) -> bool:
    mine, theirs = first.assigned() or set(), second.assigned() or set()
    return bool(mine) and bool(theirs) and not mine & theirs and mine | theirs == {0, 1}


def _flags(engine: Engine) -> Counter[tuple[Any, ...]]:
    """Every flag by what it says, not by the ids of the rows it points to (which follow the order the
    files were stored in); the registry is loaded alike, so taxpayer ids compare."""
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT code, state, taxpayer_id, sender, reporting_year, amount, currency, severity"
                " FROM flag WHERE code <> 'DC03'"
            )
        )
        return Counter(tuple(row) for row in rows)


def _risk(engine: Engine) -> dict[int, tuple[float, int]]:
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT taxpayer_id, score, flags FROM taxpayer_risk"))
        return {taxpayer: (float(score), flags) for taxpayer, score, flags in rows}


def _risk_from_flags(engine: Engine) -> dict[int, tuple[float, int]]:
    """The scores the raised flags make: a score written from a stale view would differ."""
    points: dict[int, list[int]] = {}
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT taxpayer_id, score FROM flag WHERE state = 'raised' AND taxpayer_id IS NOT NULL")
        )
        for taxpayer, score in rows:
            points.setdefault(taxpayer, []).append(score)
    return {taxpayer: (combined_score(scores), len(scores)) for taxpayer, scores in points.items()}


def _events_replay_to_the_flags(engine: Engine) -> bool:
    """Each flag's events, replayed in order, end in its stored state: no event lost or doubled."""
    with engine.connect() as connection:
        states: dict[int, str] = {
            flag_id: state for flag_id, state in connection.execute(text("SELECT id, state FROM flag"))
        }
        replayed: dict[int, str] = {}
        for flag_id, event in connection.execute(text("SELECT flag_id, event FROM flag_event ORDER BY id")):
            before = replayed.get(flag_id)
            if event == "raised":
                assert before in (None, "retracted"), f"flag {flag_id} raised twice"
                replayed[flag_id] = "raised"
            elif event == "retracted":
                assert before == "raised", f"flag {flag_id} retracted while {before}"
                replayed[flag_id] = "retracted"
            else:
                assert before == "raised", f"flag {flag_id} updated while {before}"
    return replayed == states
