"""A broker that loses its topics (an in-memory broker restarted empty, on the same port): nothing is
recorded as sent that is not on a topic the broker lists, the runner recreates its topics and goes on
consuming, and `exchange answers resend` brings partners the very same bytes again. Through a real
broker of the test's own (it is restarted) and on both databases."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiokafka import AIOKafkaProducer
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from consumers.admin import ensure_topics, list_topics
from consumers.outbound import Outgoing, PublishError, publish_confirmed
from consumers.pipeline_handler import PipelineHandler
from consumers.runner import ConsumerTuning, InboundRunner
from crypto.provision import AuthorityFolders
from exchange.anomalies.models import FlagEventRow
from exchange.audit import AuditFilter, read_trail
from exchange.cli.main import main
from exchange.db import create_db_engine, upgrade
from exchange.pipeline import Pipeline
from exchange.records import PartyKind
from exchange.registry.data import TaxpayerData
from exchange.registry.upsert import upsert_taxpayers
from exchange.settings import Settings
from exchange.states import FileState
from exchange.store.models import ReceivedFile, StatusMessageRow
from tests.kafka_helpers import wait_for
from tests.pipeline.brokers import OwnBroker
from tests.pipeline.conftest import on_own_topics
from tests.pipeline.effects import benelux_files, publish, published_answers, stored_answers, topic_records

FAST = ConsumerTuning(
    session_timeout_ms=2000, heartbeat_interval_ms=300, max_poll_interval_ms=10_000, retry_initial_s=0.1
)


@pytest.fixture
def own_broker(kafka_bootstrap: str, tmp_path: Path) -> Iterator[OwnBroker]:
    # `kafka_bootstrap` first, so that a missing broker skips (or, under CI, fails) as everywhere else.
    broker = OwnBroker(tmp_path / "own-broker.log")
    broker.start()
    try:
        yield broker
    finally:
        broker.close()


def _settings(be_settings: Settings, servers: str) -> Settings:
    return on_own_topics(be_settings, servers, broker_check_seconds=1.0)


def _sent_but_not_on_the_broker(
    settings: Settings, engine: Engine, benelux: dict[str, AuthorityFolders]
) -> dict[str, list[object]]:
    """What the store records as sent and the broker's topics do not hold: must always be empty."""
    on_topic = published_answers(settings, benelux)
    events_on_topic = {json.loads(r.value)["event_id"] for r in topic_records(settings, settings.topic_flags)}
    with Session(engine) as session:
        answers = session.execute(
            select(ReceivedFile.message_ref_id, StatusMessageRow.content)
            .join(StatusMessageRow.file)
            .where(StatusMessageRow.sent_at.is_not(None))
        ).all()
        events = session.scalars(select(FlagEventRow.id).where(FlagEventRow.published_at.is_not(None))).all()
    return {
        "answers": [ref for ref, content in answers if bytes(content) not in on_topic.get(str(ref), [])],
        "events": [event_id for event_id in events if event_id not in events_on_topic],
    }


def _registry_without_the_holders(engine: Engine) -> None:
    """A registry of one taxpayer, whose TIN the holders report under another name: reconciliation runs
    and flags are raised and published (an empty registry makes reconciliation and the flags wait)."""
    with engine.begin() as connection:
        upsert_taxpayers(connection, [TaxpayerData("85073003328", PartyKind.INDIVIDUAL, family_name="X")])


def test_a_broker_restarted_empty_mid_file_gets_the_answer_on_recreated_topics(
    own_broker: OwnBroker,
    be_settings: Settings,
    benelux: dict[str, AuthorityFolders],
    tmp_path: Path,
) -> None:
    settings = _settings(be_settings, str(own_broker.servers))
    packets = list(benelux_files(benelux, tmp_path).items())
    engine = create_db_engine(str(settings.database_url))
    upgrade(engine)
    _registry_without_the_holders(engine)
    publish(settings, [packets[0][1]])
    restarted = threading.Event()

    def restart_mid_file(records_seen: int) -> None:
        # Inside the first file's transaction: the broker forgets its topics while the file is in hand.
        if not restarted.is_set():
            restarted.set()
            own_broker.restart_empty()

    runner = InboundRunner(
        settings, PipelineHandler(Pipeline(settings, engine, on_batch=restart_mid_file)), tuning=FAST
    )

    async def scenario() -> None:
        task = asyncio.create_task(runner.run())
        try:
            await wait_for(lambda: runner.files_done == 1 or task.done(), 60)
            assert restarted.is_set() and runner.files_done == 1
            # The runner put its topics back: partners can publish again, and it consumes what they send.
            assert {settings.topic_inbound, settings.topic_status} <= await list_topics(
                settings.kafka_bootstrap_servers
            )
            await asyncio.to_thread(publish, settings, [packets[1][1]])
            await wait_for(lambda: runner.files_done == 2 or task.done(), 60)
        finally:
            runner.request_stop()
            await task

    try:
        asyncio.run(scenario())
        # How the topics came back is not asserted: the runner recreates them when it reconnects or when an
        # answer's publish finds them missing, but Tansu also creates a topic on a metadata request for it,
        # which Kafka does not (auto-creation is off there), so a count would test Tansu. What holds on
        # both: every answer is confirmed on a topic the broker lists
        # (test_an_acknowledgement_on_a_missing_topic_is_not_a_send holds the confirmation itself).
        answers, stored = published_answers(settings, benelux), stored_answers(engine)
        assert set(answers) == set(stored) == {packets[0][0], packets[1][0]}
        for ref, copies in answers.items():
            assert set(copies) == {stored[ref]}
        assert _sent_but_not_on_the_broker(settings, engine, benelux) == {"answers": [], "events": []}
        with Session(engine) as session:
            assert (
                session.scalars(select(FlagEventRow).where(FlagEventRow.published_at.is_(None))).all() == []
            )
            assert set(session.scalars(select(ReceivedFile.state))) == {FileState.ANSWERED}
    finally:
        engine.dispose()


def test_a_publish_to_a_lost_topic_is_never_confirmed(own_broker: OwnBroker, be_settings: Settings) -> None:
    """The producer knows a topic that the broker then loses, restarted empty (its metadata is cached):
    the publish must end in a PublishError (the broker's refusal, or an acknowledgement on a topic it does
    not list), never in a confirmation, so nothing is marked sent. (The runner's recovery from there is
    the test above.)"""
    settings = _settings(be_settings, str(own_broker.servers))
    servers = settings.kafka_bootstrap_servers
    record = Outgoing(settings.topic_status, b"answer", b"NL")

    async def scenario() -> None:
        await ensure_topics(servers, [record.topic], 1, 1)
        producer = AIOKafkaProducer(bootstrap_servers=servers, metadata_max_age_ms=600_000)
        await producer.start()
        try:
            await publish_confirmed(producer, servers, [record])
            await asyncio.to_thread(own_broker.restart_empty)
            with pytest.raises(PublishError):
                await publish_confirmed(producer, servers, [record])
        finally:
            await producer.stop()

    asyncio.run(scenario())


def _cli_env(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> None:
    for name in ("database_url", "kafka_bootstrap_servers", "topic_inbound", "topic_status", "topic_dlq",
                 "topic_flags", "topic_partitions"):  # fmt: skip
        monkeypatch.setenv(f"EXCHANGE_{name.upper()}", str(getattr(settings, name)))
    monkeypatch.setenv("EXCHANGE_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("EXCHANGE_LOG_LEVEL", "warning")
    monkeypatch.setenv("EXCHANGE_OPERATOR", "olga")


def test_answers_lost_by_the_broker_are_resent_byte_for_byte(
    own_broker: OwnBroker,
    be_settings: Settings,
    benelux: dict[str, AuthorityFolders],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    settings = _settings(be_settings, str(own_broker.servers))
    packets = benelux_files(benelux, tmp_path)
    engine = create_db_engine(str(settings.database_url))
    upgrade(engine)
    _registry_without_the_holders(engine)
    started = datetime.now(UTC) - timedelta(seconds=1)
    publish(settings, packets.values())
    runner = InboundRunner(settings, PipelineHandler(Pipeline(settings, engine)), tuning=FAST)

    async def answer_all() -> None:
        task = asyncio.create_task(runner.run())
        await wait_for(lambda: runner.files_done == len(packets) or task.done(), 60)
        runner.request_stop()
        await task

    try:
        asyncio.run(answer_all())
        with Session(engine) as session:
            events = len(session.scalars(select(FlagEventRow.id)).all())
        assert events > 0
        own_broker.restart_empty()  # acknowledged, recorded as sent, and gone
        _cli_env(monkeypatch, settings)

        capsys.readouterr()
        assert main(["answers", "resend", "--since", started.isoformat(), "--json"]) == 0
        summary = json.loads(capsys.readouterr().out)
        assert (summary["answers"], summary["events"]) == (len(packets), events)
        assert set(summary["topics_created"]) == {settings.topic_status, settings.topic_flags,
                                                  settings.topic_inbound, settings.topic_dlq}  # fmt: skip
        stored = stored_answers(engine)
        answers = published_answers(settings, benelux)
        assert {ref: copies for ref, copies in answers.items()} == {ref: [stored[ref]] for ref in packets}
        assert len(topic_records(settings, settings.topic_flags)) == events

        # Idempotent for the receivers: a second resend brings the same bytes once more, nothing else.
        assert main(["answers", "resend", "--since", started.isoformat()]) == 0
        again = published_answers(settings, benelux)
        assert {ref: copies for ref, copies in again.items()} == {ref: [stored[ref]] * 2 for ref in packets}

        trail = list(read_trail(engine, AuditFilter(action_prefix="answers.")))
        assert [(entry["actor"], entry["action"], entry["row_count"]) for entry in trail] == [
            ("olga", "answers.resend", len(packets) + events)
        ] * 2
        assert trail[0]["details"]["since"] == started.isoformat()
        assert _sent_but_not_on_the_broker(settings, engine, benelux) == {"answers": [], "events": []}
    finally:
        engine.dispose()


def test_answers_never_sent_and_pending_events_go_out_once(
    kafka_bootstrap: str,
    be_settings: Settings,
    benelux: dict[str, AuthorityFolders],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Files processed without Kafka (`exchange process`): their answers and flag events wait in the
    store until `answers resend` publishes them; then nothing is left to send."""
    settings = _settings(be_settings, kafka_bootstrap)
    packets = benelux_files(benelux, tmp_path)
    engine = create_db_engine(str(settings.database_url))
    upgrade(engine)
    _registry_without_the_holders(engine)
    pipeline = Pipeline(settings, engine)
    for _, packet in packets.values():
        pipeline.process(packet)
    _cli_env(monkeypatch, settings)
    try:
        capsys.readouterr()
        assert main(["answers", "resend", "--json"]) == 0
        summary = json.loads(capsys.readouterr().out)
        with Session(engine) as session:
            outbox = session.scalars(select(FlagEventRow)).all()
            states = set(session.scalars(select(ReceivedFile.state)))
        assert summary["answers"] == len(packets) and summary["events"] == len(outbox) > 0
        assert all(row.published_at is not None for row in outbox)
        assert states == {FileState.ANSWERED}
        stored = stored_answers(engine)
        assert published_answers(settings, benelux) == {ref: [stored[ref]] for ref in packets}

        assert main(["answers", "resend", "--json"]) == 0
        assert json.loads(capsys.readouterr().out)["answers"] == 0  # all recorded as sent now
        assert main(["answers", "resend", "--file", "999"]) == 1
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "no answer to send again for file(s) 999" in err
    finally:
        engine.dispose()
