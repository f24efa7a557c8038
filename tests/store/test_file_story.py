"""A file's whole story: each step with its time, every code of a file in the listings, the verdict in
the Outcome vocabulary, and `files show` without personal data."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from crypto.provision import AuthorityFolders
from exchange import db
from exchange.cli.main import main
from exchange.pipeline import Pipeline
from exchange.records import PartyKind
from exchange.registry.data import TaxpayerData
from exchange.registry.upsert import upsert_taxpayers
from exchange.settings import Settings
from exchange.states import FileState
from exchange.store import advance_state, mark_answered, register_file, store_file
from exchange.store.models import FileEventRow, ReceivedFile
from exchange.validation.findings import Finding, file_error
from tests.pipeline.effects import benelux_files
from tests.store import factory as f
from tests.store.conftest import status_builder


def _timeline(engine: Engine, file_id: int) -> list[tuple[str, datetime]]:
    with Session(engine) as session:
        query = select(FileEventRow).where(FileEventRow.file_id == file_id).order_by(FileEventRow.id)
        return [(event.state.value, event.at) for event in session.scalars(query)]


def test_each_step_of_a_file_is_recorded_once_with_its_time(db_engine: Engine) -> None:
    packet = f.packet("a")
    file_id = register_file(db_engine, packet)
    stream = list(f.new_file("FI-1", [f.account_report("AR-1")]))
    for _ in range(2):  # a redelivery repeats every step: none of them is recorded twice
        register_file(db_engine, packet)
        advance_state(db_engine, packet.sha256, FileState.OPENED)
        store_file(db_engine, packet, f.header("M1"), stream, status=status_builder)
        advance_state(db_engine, packet.sha256, FileState.RECONCILED)
        advance_state(db_engine, packet.sha256, FileState.FLAGGED)
        mark_answered(db_engine, packet.sha256)
    timeline = _timeline(db_engine, file_id)
    assert [state for state, _ in timeline] == [
        "received", "opened", "stored", "reconciled", "flagged", "answered",
    ]  # fmt: skip
    times = [at for _, at in timeline]
    assert times == sorted(times) and all(at.tzinfo is not None for at in times)


def test_a_rejected_file_ends_its_timeline_rejected(db_engine: Engine) -> None:
    outcome = store_file(
        db_engine, f.packet("b"), f.header("M1"), [file_error(50007, "schema"), *f.new_file("FI-1", [])]
    )
    assert [state for state, _ in _timeline(db_engine, outcome.file_id)] == ["received", "rejected"]


def test_the_migration_rebuilds_the_timeline_of_earlier_files(db_engine: Engine) -> None:
    accepted = store_file(db_engine, f.packet("a"), f.header("M1"), f.new_file("FI-1", []))
    advance_state(db_engine, f.packet("a").sha256, FileState.RECONCILED)
    rejected = store_file(db_engine, f.packet("b"), f.header("M2"), [file_error(50007, "schema")])
    db.downgrade(db_engine, "0006")
    db.upgrade(db_engine)
    assert [state for state, _ in _timeline(db_engine, accepted.file_id)] == [
        "received",
        "stored",
        "reconciled",
    ]
    assert [state for state, _ in _timeline(db_engine, rejected.file_id)] == ["received", "rejected"]


def _record_error(code: int, doc_ref_id: str) -> Finding:
    return Finding(code=code, level="record", message="refused", doc_ref_ids=(doc_ref_id,))


def test_files_list_shows_every_code_and_the_verdict(
    db_url: str, db_engine: Engine, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EXCHANGE_DATABASE_URL", db_url)
    store_file(
        db_engine,
        f.packet("rejected"),
        f.header("M1"),
        [file_error(50007, "schema"), _record_error(60015, "AR-1"), _record_error(80000, "AR-2")],
    )
    store_file(
        db_engine,
        f.packet("with-errors"),
        f.header("M2"),
        [*f.new_file("FI-2", [f.account_report("AR-3")]), _record_error(60002, "AR-3")],
    )
    store_file(db_engine, f.packet("clean"), f.header("M3"), f.new_file("FI-3", [f.account_report("AR-4")]))
    capsys.readouterr()

    assert main(["files", "list", "--json"]) == 0
    rows = {row["message_ref_id"]: row for row in json.loads(capsys.readouterr().out)}
    summary = {ref: (r["outcome"], r["state"], r["codes"], r["record_errors"]) for ref, r in rows.items()}
    assert summary == {
        "M1": ("rejected", "rejected", [50007, 60015, 80000], 2),
        "M2": ("accepted_with_errors", "stored", [60002], 1),
        "M3": ("accepted", "stored", [], 0),
    }
    assert main(["files", "list"]) == 0
    table = capsys.readouterr().out
    assert "50007 60015 80000" in table and "accepted_with_errors" in table
    assert main(["files", "list", "--outcome", "accepted_with_errors", "--json"]) == 0
    assert [row["message_ref_id"] for row in json.loads(capsys.readouterr().out)] == ["M2"]


def test_time_windows_narrow_files_errors_and_status(
    db_url: str, db_engine: Engine, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EXCHANGE_DATABASE_URL", db_url)
    monkeypatch.setenv("EXCHANGE_KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:1")
    old = store_file(db_engine, f.packet("old"), f.header("M1"), [file_error(50007, "schema")])
    store_file(db_engine, f.packet("new"), f.header("M2"), [file_error(50008, "format")])
    with db_engine.begin() as connection:
        connection.execute(
            update(ReceivedFile)
            .where(ReceivedFile.id == old.file_id)
            .values(received_at=datetime.now(UTC) - timedelta(days=3))
        )
    capsys.readouterr()

    def listed(*args: str) -> list[str]:
        assert main(["files", "list", "--json", *args]) == 0
        return [row["message_ref_id"] for row in json.loads(capsys.readouterr().out)]

    assert listed("--since", "24h") == ["M2"]
    assert listed("--until", "2d") == ["M1"]
    assert listed("--since", (datetime.now(UTC) - timedelta(days=7)).date().isoformat()) == ["M2", "M1"]
    assert main(["files", "errors", "50007", "--since", "24h", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []
    assert main(["files", "errors", "50007", "--until", "24h", "--json"]) == 0
    assert [row["file_id"] for row in json.loads(capsys.readouterr().out)] == [old.file_id]
    assert main(["status", "--since", "24h", "--broker-timeout", "0.5", "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert [row["message_ref_id"] for row in status["files"]] == ["M2"]
    assert status["errors_by_code"] == [{"code": 50008, "findings": 1}]
    assert main(["files", "list", "--since", "yesterday"]) == 2  # a usage error, named
    assert "--since" in capsys.readouterr().err


def test_files_show_tells_the_story_without_personal_data(
    be_settings: Settings,
    benelux: dict[str, AuthorityFolders],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    engine = db.create_db_engine(be_settings.effective_database_url)
    db.upgrade(engine)
    with engine.begin() as connection:  # a registry is loaded: reconciliation runs, flags are raised
        upsert_taxpayers(connection, [TaxpayerData("85073003328", PartyKind.INDIVIDUAL, family_name="X")])
    pipeline = Pipeline(be_settings, engine)
    _, packet = benelux_files(benelux, tmp_path)["NL2025BE0002"]  # a negative balance: 60002
    result = pipeline.process(packet)
    pipeline.mark_sent(result)
    engine.dispose()
    assert result.outcome is not None
    monkeypatch.setenv("EXCHANGE_DATABASE_URL", be_settings.effective_database_url)
    capsys.readouterr()

    assert main(["files", "show", result.sha256, "--json"]) == 0
    raw = capsys.readouterr().out
    story = json.loads(raw)
    assert (story["id"], story["outcome"], story["state"]) == (
        result.outcome.file_id,
        "accepted_with_errors",
        "answered",
    )
    assert [event["state"] for event in story["timeline"]] == [
        "received", "opened", "stored", "reconciled", "flagged", "answered",
    ]  # fmt: skip
    (finding,) = story["findings"]
    assert (finding["code"], finding["level"], finding["doc_ref_ids"]) == (60002, "record", ["NL2025BE-NEG"])
    assert finding["field_paths"] and finding["line"] is not None
    status = story["status_message"]
    assert status["accepted"] is True and status["acknowledged"] is True and status["sent_at"]
    assert story["records"] == {
        "stored": 3,
        "refused": 0,
        "record_errors": 1,
        "versions": {"account_report": {"current": 2}, "reporting_fi": {"current": 1}},
    }
    assert (
        story["flags"]["raised"] >= 1
        and sum(states.get("raised", 0) for states in story["flags"]["by_code"].values())
        == story["flags"]["raised"]
    )

    assert main(["files", "show", str(result.outcome.file_id)]) == 0
    human = capsys.readouterr().out
    assert "accepted_with_errors" in human and "60002 record" in human and "(acknowledged)" in human
    for personal in ("85073003328", "Peeters", "Jan", "1980-05-17", "Wetstraat"):  # TIN, names, birth, street
        assert personal not in raw and personal not in human


def test_files_show_of_an_unknown_or_malformed_key(
    db_url: str, db_engine: Engine, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EXCHANGE_DATABASE_URL", db_url)
    assert main(["files", "show", "42"]) == 1
    assert (
        capsys.readouterr().err.strip() == "error: no file 42 in the store: `exchange files list` shows them"
    )
    assert main(["files", "show", "not-a-key"]) == 2
    assert "neither a file id" in capsys.readouterr().err
