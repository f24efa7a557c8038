"""Through the real broker: `exchange submit` puts institutions' files on the submissions topic, the
submissions runner (exchange run's, on its own topic and group) answers each institution on the answers
topic, keyed by it, and stores the files as submitted; on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import pytest
from sqlalchemy import select

from consumers.admin import list_topics, submission_topics
from consumers.runner import ConsumerTuning, InboundRunner
from consumers.submission_handler import SubmissionHandler
from crypto.provision import AuthorityFolders
from exchange.cli.main import main
from exchange.db import create_db_engine, upgrade
from exchange.settings import Settings
from exchange.store.models import ReceivedFile
from exchange.submissions.process import Submissions
from tests.kafka_helpers import read_topic, wait_for
from tests.submissions.conftest import INSTITUTION, codes_of, read_answer, report, status_of, submission

FAST = ConsumerTuning(session_timeout_ms=2000, heartbeat_interval_ms=300, max_poll_interval_ms=10000)


def _on_own_topics(settings: Settings, servers: str) -> Settings:
    run = uuid.uuid4().hex[:8]
    return settings.model_copy(
        update={
            "kafka_bootstrap_servers": servers,
            "submissions_consumer_group": f"subs-{run}",
            "topic_inbound": f"in-{run}",
            "topic_status": f"status-{run}",
            "topic_dlq": f"dlq-{run}",
            "topic_flags": f"flags-{run}",
            "topic_submissions": f"subs-{run}",
            "topic_submission_answers": f"subs-answers-{run}",
            "topic_partitions": 2,
        }
    )


def _environment(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> None:
    """The CLI reads the same settings from the environment."""
    for name in (
        "kafka_bootstrap_servers",
        "topic_inbound",
        "topic_status",
        "topic_dlq",
        "topic_flags",
        "topic_submissions",
        "topic_submission_answers",
        "topic_partitions",
        "data_dir",
    ):
        monkeypatch.setenv(f"EXCHANGE_{name.upper()}", str(getattr(settings, name)))


def test_institutions_are_answered_on_their_topic_keyed_by_institution(
    be_settings: Settings,
    benelux: dict[str, AuthorityFolders],
    kafka_bootstrap: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = _on_own_topics(be_settings, kafka_bootstrap)
    _environment(monkeypatch, settings)
    accepted = tmp_path / "accepted.xml"
    accepted.write_bytes(
        submission(report("BE2025-0403019261-AR1", "NL"), report("BE2025-0403019261-AR2", "LU"))
    )
    unnamed = tmp_path / "unnamed.xml"
    unnamed.write_bytes(submission(institution=None, message_ref_id="BE2025BE-0403019261-9"))
    assert main(["submit", str(accepted)]) == 0
    assert main(["submit", str(unnamed)]) == 1  # the file names no institution: say which one
    assert main(["submit", str(unnamed), "--institution", "bank-key"]) == 0

    engine = create_db_engine(settings.effective_database_url)
    upgrade(engine)
    runner = InboundRunner(
        settings,
        SubmissionHandler(settings, Submissions(settings, engine)),
        group_id=settings.submissions_consumer_group,
        tuning=FAST,
        topic=settings.topic_submissions,
        topics=submission_topics(settings),
    )

    async def scenario() -> list[tuple[str, bytes]]:
        task = asyncio.create_task(runner.run())
        await wait_for(lambda: runner.files_done == 2 or task.done(), 60)
        runner.request_stop()
        await task
        records = await read_topic(kafka_bootstrap, settings.topic_submission_answers, 2)
        return [(record.key.decode(), record.value) for record in records]

    answers = dict(asyncio.run(scenario()))
    assert sorted(answers) == sorted(["bank-key", INSTITUTION])
    assert status_of(read_answer(answers[INSTITUTION], benelux["BE"])) == "Accepted"
    refused = read_answer(answers["bank-key"], benelux["BE"])
    assert status_of(refused) == "Rejected" and codes_of(refused, "FileError") == [98301]
    with engine.connect() as connection:
        rows = connection.execute(
            select(ReceivedFile.direction, ReceivedFile.state, ReceivedFile.sender)
        ).all()
    engine.dispose()
    assert sorted((row.direction, row.state.value, row.sender) for row in rows) == [
        ("submitted", "answered", INSTITUTION),
        ("submitted", "rejected", "bank-key"),
    ]
    # Nothing went to the partners' status topic (nothing made it exist, even on a broker that
    # creates a topic at its first write).
    assert settings.topic_status not in asyncio.run(list_topics(kafka_bootstrap))
