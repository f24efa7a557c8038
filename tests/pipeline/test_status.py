"""`exchange status`: the store's half on both databases, the broker's half on the real broker, and an
unreachable broker reported in the output instead of failing the command."""

from __future__ import annotations

import asyncio
import json
import uuid
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from sqlalchemy.orm import Session

from consumers.admin import ensure_topics
from consumers.embedded_broker import free_port
from crypto.provision import AuthorityFolders
from exchange.cli.main import main
from exchange.db import create_db_engine, upgrade
from exchange.pipeline import Pipeline
from exchange.settings import Settings
from exchange.store.queries import files
from tests.kafka_helpers import produce
from tests.pipeline.conftest import builders, crs_file, seal
from tests.pipeline.effects import benelux_files


def _status(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, object]:
    assert main(["status", "--json", *args]) == 0
    result: dict[str, object] = json.loads(capsys.readouterr().out)
    return result


def test_status_shows_recent_files_and_errors_and_survives_a_dead_broker(
    be_settings: Settings,
    benelux: dict[str, AuthorityFolders],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    engine = create_db_engine(str(be_settings.database_url))
    upgrade(engine)
    pipeline = Pipeline(be_settings, engine)
    fresh = builders.account_report("LU2025BE-AR9"), builders.reporting_fi("LU2025BE-FI9")
    rejected = crs_file("LU", fresh[0], fi=fresh[1], message_ref_id="LU2025BE0009").replace(b">CRS<", b">XX<")
    for _, packet in benelux_files(benelux, tmp_path).values():  # LU, NL (60002), LU
        pipeline.process(packet)
    pipeline.process(seal(rejected, benelux["LU"], benelux["BE"], tmp_path))  # 50007
    with Session(engine) as session:
        states = {file.message_ref_id: file.state.value for file in files(session)}
    engine.dispose()
    assert states["LU2025BE0009"] == "rejected" and states["NL2025BE0002"] != "rejected"
    capsys.readouterr()  # the pipeline's log lines
    monkeypatch.setenv("EXCHANGE_DATABASE_URL", str(be_settings.database_url))
    monkeypatch.setenv("EXCHANGE_KAFKA_BOOTSTRAP_SERVERS", f"127.0.0.1:{free_port()}")

    status = _status(capsys, "--limit", "3", "--broker-timeout", "2")
    recent = status["files"]
    assert isinstance(recent, list)
    assert [(f["message_ref_id"], f["codes"]) for f in recent] == [
        ("LU2025BE0009", [50007]),
        ("LU2025BE0003", []),
        ("NL2025BE0002", [60002]),
    ]
    assert {f["message_ref_id"]: f["state"] for f in recent} == {
        ref: state for ref, state in states.items() if ref != "LU2025BE0001"
    }
    assert status["errors_by_code"] == [{"code": 50007, "findings": 1}, {"code": 60002, "findings": 1}]
    assert status["errors_by_sender"] == [{"sender": "LU", "findings": 1}, {"sender": "NL", "findings": 1}]
    broker = status["broker"]
    assert isinstance(broker, dict)
    assert broker["reachable"] is False and "unreachable" in broker["error"]

    assert main(["status", "--broker-timeout", "2"]) == 0
    human = capsys.readouterr().out
    assert "LU2025BE" not in human  # the human view shows ids and codes, not message references
    assert "50007" in human and "60002" in human
    assert "errors by sender: LU x1, NL x1" in human
    assert "DLQ size and consumer lag unknown" in human


def test_status_counts_dead_letters_and_the_groups_lag(
    kafka_bootstrap: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    run = uuid.uuid4().hex[:8]
    settings = Settings(
        data_dir=tmp_path,
        kafka_bootstrap_servers=kafka_bootstrap,
        kafka_consumer_group=f"be-{run}",
        topic_inbound=f"in-{run}",
        topic_dlq=f"dlq-{run}",
    )
    engine = create_db_engine(settings.effective_database_url)
    upgrade(engine)
    engine.dispose()
    inbound = [TopicPartition(settings.topic_inbound, p) for p in (0, 1)]

    async def backlog() -> None:
        await ensure_topics(kafka_bootstrap, [settings.topic_inbound, settings.topic_dlq], 2, 1)
        for n in range(5):
            await produce(kafka_bootstrap, settings.topic_inbound, b"packet %d" % n, b"LU")
        await produce(kafka_bootstrap, settings.topic_dlq, b"not a packet", b"NL")
        await produce(kafka_bootstrap, settings.topic_dlq, b"nor this", b"NL")
        group = AIOKafkaConsumer(
            bootstrap_servers=kafka_bootstrap,
            group_id=settings.kafka_consumer_group,
            enable_auto_commit=False,
        )
        await group.start()
        try:
            ends = await group.end_offsets(inbound)
            (busy,) = [partition for partition in inbound if ends[partition]]  # one key, one partition
            group.assign(inbound)
            await group.commit({busy: 2})  # two of the five consumed
        finally:
            await group.stop()

    asyncio.run(backlog())
    for name, value in {
        "EXCHANGE_DATA_DIR": str(tmp_path),
        "EXCHANGE_KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
        "EXCHANGE_KAFKA_CONSUMER_GROUP": settings.kafka_consumer_group,
        "EXCHANGE_TOPIC_INBOUND": settings.topic_inbound,
        "EXCHANGE_TOPIC_DLQ": settings.topic_dlq,
    }.items():
        monkeypatch.setenv(name, value)

    broker = _status(capsys)["broker"]
    assert isinstance(broker, dict)
    assert (broker["reachable"], broker["dlq_records"], broker["lag"]) == (True, 2, 3)
    assert sorted((p["end"], p["committed"], p["lag"]) for p in broker["partitions"]) == [
        (0, None, 0),
        (5, 2, 3),
    ]
    assert main(["status"]) == 0
    human = capsys.readouterr().out
    assert f"dead-letter topic {settings.topic_dlq}: 2 record(s)" in human
    assert f"consumer group {settings.kafka_consumer_group} on {settings.topic_inbound}: lag 3" in human
    assert "recent files: none" in human


def test_status_of_a_store_without_schema_says_what_to_do(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EXCHANGE_DATA_DIR", str(tmp_path))
    (tmp_path / "exchange.db").touch()  # a SQLite file without the store's tables
    assert main(["status"]) == 1
    assert capsys.readouterr().err.strip() == (
        f"error: the store at {tmp_path / 'exchange.db'} has no schema: run `exchange db upgrade`"
    )
