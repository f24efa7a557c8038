"""Sending through the real broker: each message as a CTS packet on the outbound topic, keyed by the
partner, that the partner's own pipeline opens and accepts; a crash (SIGKILL) at each step (inside the
cut, between sealing and storing the packet, after storing, after publishing, after recording) loses no
record and sends the same bytes again at most; a resend is a new packet, only for a
partner that could not open the file (or forced, with a reason, audited). On SQLite and
PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, insert, select

from consumers.faults import FAULT_ENV, FaultPoint
from crypto.provision import AuthorityFolders
from exchange import db
from exchange.audit import AuditFilter, read_trail
from exchange.outbound.cut import cut
from exchange.outbound.models import OutboundAnswer, OutboundMessage
from exchange.pipeline import Pipeline
from exchange.settings import Settings
from exchange.submissions.process import Submissions
from tests.kafka_helpers import read_topic
from tests.submissions.conftest import report, submission

EXCHANGE = str(Path(sys.executable).parent / "exchange")
REPO_ROOT = Path(__file__).resolve().parents[2]
_ENVIRONMENT = (
    "database_url",
    "data_dir",
    "keys_dir",
    "partners_dir",
    "kafka_bootstrap_servers",
    "topic_inbound",
    "topic_status",
    "topic_dlq",
    "topic_flags",
    "topic_submissions",
    "topic_submission_answers",
    "topic_outbound",
    "topic_partitions",
)


def _on_own_topics(settings: Settings, servers: str) -> Settings:
    run = uuid.uuid4().hex[:8]
    topics = ("inbound", "status", "dlq", "flags", "submissions", "submission_answers", "outbound")
    return settings.model_copy(
        update={
            "kafka_bootstrap_servers": servers,
            "topic_partitions": 2,
            **{f"topic_{name}": f"{name}-{run}" for name in topics},
        }
    )


def _send(
    settings: Settings, *args: str, fault: FaultPoint | None = None
) -> subprocess.CompletedProcess[str]:
    """`exchange outbound send` as its own process, killed at `fault` if given."""
    return _run(settings, "outbound", "send", *args, fault=fault)


def _run(settings: Settings, *args: str, fault: FaultPoint | None = None) -> subprocess.CompletedProcess[str]:
    """An `exchange` command as its own process, killed at `fault` if given."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("EXCHANGE_")}
    env.update({f"EXCHANGE_{name.upper()}": str(getattr(settings, name)) for name in _ENVIRONMENT})
    env["PYTHONPATH"] = str(REPO_ROOT)
    if fault is not None:
        env[FAULT_ENV] = fault.value
    return subprocess.run(
        [EXCHANGE, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _published(settings: Settings, expected: int) -> list[tuple[str, bytes]]:
    records = asyncio.run(
        read_topic(settings.kafka_bootstrap_servers, settings.topic_outbound, expected + 1, 4)
    )
    return [(record.key.decode(), record.value) for record in records]


def _stored(engine: Engine) -> list[tuple[str, bytes | None, bool]]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(OutboundMessage.partner, OutboundMessage.packet, OutboundMessage.sent_at).order_by(
                OutboundMessage.id
            )
        ).all()
    return [(row.partner, row.packet, row.sent_at is not None) for row in rows]


@pytest.fixture
def cut_for_nl(be_settings: Settings, db_engine: Engine, kafka_bootstrap: str) -> Settings:
    settings = _on_own_topics(be_settings, kafka_bootstrap)
    Submissions(settings, db_engine).process(submission(report("BE2025-0403019261-AR1", "NL")))
    assert [m.partner for m in cut(db_engine, settings, 2025)] == ["NL"]
    return settings


def test_the_partner_opens_and_accepts_what_we_send(
    cut_for_nl: Settings, db_engine: Engine, benelux: dict[str, AuthorityFolders], tmp_path: Path
) -> None:
    sent = _send(cut_for_nl, "--json")
    assert sent.returncode == 0, sent.stderr
    [(key, packet)] = _published(cut_for_nl, 1)
    assert key == "NL" and _stored(db_engine) == [("NL", packet, True)]
    nl = benelux["NL"]
    nl_settings = Settings(
        home_jurisdiction="NL", data_dir=tmp_path / "nl", keys_dir=nl.keys_dir, partners_dir=nl.partners_dir
    )
    nl_engine = db.create_db_engine(nl_settings.effective_database_url)
    db.upgrade(nl_engine)
    try:
        result = Pipeline(nl_settings, nl_engine).process(packet)
    finally:
        nl_engine.dispose()
    assert result.outcome is not None and result.outcome.outcome.value == "accepted", result.to_dict()
    assert result.answer_to == "BE"
    assert _send(cut_for_nl).stdout.strip() == "nothing to send"


# How many times the partner gets the packet when the send is killed at each step and run again.
_PUBLISHED_AFTER_CRASH = {
    FaultPoint.BEFORE_OUTBOUND_PACKET_STORED: 1,  # sealed, not kept: the next send seals and sends once
    FaultPoint.AFTER_OUTBOUND_PACKAGE: 1,  # kept, not published: the next send publishes it
    FaultPoint.AFTER_OUTBOUND_PUBLISH: 2,  # published, not recorded: the same bytes once more
    FaultPoint.AFTER_OUTBOUND_RECORD: 1,  # recorded as sent: nothing goes again
}


@pytest.mark.parametrize("fault", list(_PUBLISHED_AFTER_CRASH))
def test_a_crash_at_any_step_sends_the_same_bytes_again_at_most(
    cut_for_nl: Settings, db_engine: Engine, fault: FaultPoint
) -> None:
    killed = _send(cut_for_nl, fault=fault)
    assert killed.returncode == -9, killed.stderr
    [(_, kept, sent)] = _stored(db_engine)
    assert (kept is not None) == (fault is not FaultPoint.BEFORE_OUTBOUND_PACKET_STORED)
    assert sent == (fault is FaultPoint.AFTER_OUTBOUND_RECORD)
    assert _send(cut_for_nl).returncode == 0
    [(_, packet, sent)] = _stored(db_engine)
    assert packet is not None and sent and (kept is None or packet == kept)
    published = _published(cut_for_nl, 2)
    assert [value for _, value in published] == [packet] * _PUBLISHED_AFTER_CRASH[fault]


def test_a_crash_inside_the_cut_keeps_nothing_of_it_and_loses_no_record(
    be_settings: Settings, db_engine: Engine, kafka_bootstrap: str
) -> None:
    settings = _on_own_topics(be_settings, kafka_bootstrap)
    Submissions(settings, db_engine).process(submission(report("BE2025-0403019261-AR1", "NL")))
    killed = _run(
        settings, "outbound", "cut", "--period", "2025", fault=FaultPoint.BEFORE_OUTBOUND_CUT_COMMIT
    )
    assert killed.returncode == -9, killed.stderr
    assert _stored(db_engine) == []  # the message was never kept, its record still waits
    assert [(m.partner, m.records) for m in cut(db_engine, settings, 2025)] == [("NL", 1)]
    assert _send(settings).returncode == 0
    [(_, packet, sent)] = _stored(db_engine)
    assert sent and [value for _, value in _published(settings, 1)] == [packet]


def _resend(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    env = {name: value for name, value in os.environ.items() if not name.startswith("EXCHANGE_")}
    env.update({f"EXCHANGE_{name.upper()}": str(getattr(settings, name)) for name in _ENVIRONMENT})
    env["EXCHANGE_OPERATOR"] = "operator-1"
    return subprocess.run(
        [EXCHANGE, "outbound", "resend", *args], env=env, capture_output=True, text=True, check=False
    )


def _sent_message(settings: Settings, engine: Engine) -> tuple[int, str, bytes]:
    assert _send(settings).returncode == 0
    [(_, first, _)] = _stored(engine)
    assert first is not None
    with engine.connect() as connection:
        row = connection.execute(select(OutboundMessage.id, OutboundMessage.message_ref_id)).one()
    return row.id, row.message_ref_id, first


def _partner_answers(engine: Engine, message_id: int, *file_errors: str) -> None:
    """The partner's status messages about our message, oldest first (as take_partner_answer stores them)."""
    with engine.begin() as connection:
        for number, codes in enumerate(file_errors):
            connection.execute(
                insert(OutboundAnswer).values(
                    packet_sha256=f"{number:064d}",
                    message_id=message_id,
                    partner="NL",
                    status_message_ref_id=f"NL2026BE-answer-{number}",
                    status="Rejected" if codes else "Accepted",
                    file_errors=codes,
                    record_errors=0,
                    received_at=datetime.now(UTC),
                )
            )


def _resends_audited(engine: Engine) -> list[dict[str, object]]:
    return [
        {"actor": entry["actor"], **entry["details"]}
        for entry in read_trail(engine, AuditFilter(action_prefix="outbound.resend"))
    ]


def test_a_resend_is_a_new_transmission_of_the_same_message(cut_for_nl: Settings, db_engine: Engine) -> None:
    message_id, reference, first = _sent_message(cut_for_nl, db_engine)
    _partner_answers(db_engine, message_id, "50003")  # the partner could not decrypt it
    again = _resend(cut_for_nl, reference)
    assert again.returncode == 0, again.stderr
    [(_, second, sent)] = _stored(db_engine)
    assert sent and second is not None and second != first
    assert [value for _, value in _published(cut_for_nl, 2)] == [first, second]
    assert _resends_audited(db_engine) == [
        {"actor": "operator-1", "message_ref_id": reference, "partner": "NL", "forced": False, "reason": None}
    ]


@pytest.mark.parametrize("answers", [(), ("",), ("50003", "")], ids=["no answer", "accepted", "opened later"])
def test_a_resend_the_partner_did_not_ask_for_is_refused(
    cut_for_nl: Settings, db_engine: Engine, answers: tuple[str, ...]
) -> None:
    message_id, reference, first = _sent_message(cut_for_nl, db_engine)
    _partner_answers(db_engine, message_id, *answers)
    refused = _resend(cut_for_nl, reference)
    assert refused.returncode == 1
    assert "names no file error 50001-50013" in refused.stderr and "Traceback" not in refused.stderr
    assert _stored(db_engine) == [("NL", first, True)]
    assert [value for _, value in _published(cut_for_nl, 1)] == [first]
    assert _resends_audited(db_engine) == []


def test_a_forced_resend_needs_a_reason_and_is_audited_with_it(
    cut_for_nl: Settings, db_engine: Engine
) -> None:
    _, reference, first = _sent_message(cut_for_nl, db_engine)
    without_reason = _resend(cut_for_nl, reference, "--force")
    assert without_reason.returncode == 2 and "--force needs --reason" in without_reason.stderr
    forced = _resend(cut_for_nl, reference, "--force", "--reason", "NL lost it in a storage failure")
    assert forced.returncode == 0, forced.stderr
    [(_, second, _)] = _stored(db_engine)
    assert second != first
    assert _resends_audited(db_engine) == [
        {
            "actor": "operator-1",
            "message_ref_id": reference,
            "partner": "NL",
            "forced": True,
            "reason": "NL lost it in a storage failure",
        }
    ]


def test_a_resend_the_broker_did_not_take_is_audited_with_its_error(
    cut_for_nl: Settings, db_engine: Engine
) -> None:
    message_id, reference, _ = _sent_message(cut_for_nl, db_engine)
    _partner_answers(db_engine, message_id, "50003")
    unreachable = cut_for_nl.model_copy(update={"kafka_bootstrap_servers": "127.0.0.1:9"})
    failed = _resend(unreachable, reference)
    assert failed.returncode == 1 and "Traceback" not in failed.stderr, failed.stderr
    [entry] = _resends_audited(db_engine)
    assert entry["message_ref_id"] == reference and entry["error"]
