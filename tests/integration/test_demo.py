"""`exchange demo`, the README's first command, end to end at a small size, its summary checked
against the store it leaves behind."""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from exchange import db
from exchange.anomalies.models import Flag, FlagEventRow
from exchange.cli.main import main
from exchange.demo.folder import DEMO_ENTRIES, MARKER
from exchange.reconcile.models import PartyMatch
from exchange.store import FileState
from exchange.store.models import ReceivedFile, StatusMessageRow

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], Path]:
    directory = tmp_path_factory.mktemp("demo") / "run"
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["demo", "--json", "--keep", "--size", "400", "--data-dir", str(directory)]) == 0
    return json.loads(out.getvalue()), directory


def test_every_file_sent_was_settled_and_answered(demo: tuple[dict[str, Any], Path]) -> None:
    summary, directory = demo
    engine = db.create_db_engine(f"sqlite:///{directory / 'exchange.db'}")
    try:
        # The partners' files of the demo's rounds (the two-way exchange's files have their own summary).
        exchanged = [direction["message_ref_id"] for direction in summary["two_way"]["directions"]]
        with Session(engine) as session:
            files = session.scalars(
                select(ReceivedFile).where(
                    ReceivedFile.direction == "received",
                    ReceivedFile.message_ref_id.not_in(exchanged) | ReceivedFile.message_ref_id.is_(None),
                )
            ).all()
            answered = session.scalar(
                select(func.count())
                .select_from(StatusMessageRow)
                .join(ReceivedFile, ReceivedFile.id == StatusMessageRow.file_id)
                .where(StatusMessageRow.sent_at.is_not(None), ReceivedFile.id.in_([f.id for f in files]))
            )
            matches = Counter(session.scalars(select(PartyMatch.decision)))
    finally:
        engine.dispose()
    assert len(files) == summary["files_sent"]
    assert answered == summary["answers"]["sent"] == len(files)
    rejected = sum(1 for f in files if f.state is FileState.REJECTED)
    assert summary["outcomes"].get("rejected") == rejected
    assert rejected >= 4  # the malformed files and the forged packets, from both senders
    read = summary["answers"]["read_by_partners"]
    assert read["Rejected"] == rejected and read["Accepted"] == len(files) - rejected
    assert dict(sorted(matches.items())) == summary["matching"]["decisions"]


def test_codes_and_corrections_show_up(demo: tuple[dict[str, Any], Path]) -> None:
    summary, _ = demo
    codes = summary["codes"]
    assert {"50004", "50007", "60002"} <= set(codes)
    versions = summary["account_report_versions"]
    assert versions["superseded"] > 0 and versions["deleted"] > 0


def test_reconciliation_is_accurate_on_the_demo(demo: tuple[dict[str, Any], Path]) -> None:
    matching = demo[0]["matching"]
    assert matching["parties"] > 0
    assert matching["precision"] >= 0.95
    assert matching["recall"] >= 0.8


def test_demo_cleans_up_without_keep(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EXCHANGE_DATA_DIR", str(tmp_path / "data"))
    (tmp_path / "data" / "demo").mkdir(parents=True)
    (tmp_path / "data" / "demo" / "notes.txt").write_text("mine")  # beside the runs, never theirs
    assert main(["demo", "--size", "200"]) == 0
    captured = capsys.readouterr()
    assert "exchange demo: BE received" in captured.out and "status messages:" in captured.out
    assert "round 1, first reports:" in captured.out and "round 2, corrections:" in captured.out
    # The run had a folder of its own under data_dir/demo, and removed it (only it).
    assert f"exchange demo in {tmp_path / 'data' / 'demo'}/" in captured.err
    assert [p.name for p in (tmp_path / "data" / "demo").iterdir()] == ["notes.txt"]


def test_the_demo_keeps_only_its_own_entries(demo: tuple[dict[str, Any], Path]) -> None:
    """What a demo writes is what DEMO_ENTRIES lists: cleaning up by that list removes all of it."""
    _, directory = demo
    assert (directory / MARKER).is_file()  # kept: still marked as a demo store
    assert {p.name for p in directory.iterdir()} <= {*DEMO_ENTRIES, MARKER}


def test_demo_refuses_a_folder_that_is_not_a_demo_store(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "thesis").mkdir()
    (tmp_path / "thesis" / "chapter1.tex").write_text("years of work")
    assert main(["demo", "--size", "200", "--keep", "--data-dir", str(tmp_path / "thesis")]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "not a demo store" in err and "--data-dir" in err
    assert [p.name for p in (tmp_path / "thesis").iterdir()] == ["chapter1.tex"]


def _demo_process(directory: Path, hash_seed: str) -> tuple[dict[str, Any], str]:
    """One `exchange demo --seed 7` in a process of its own (its own string hashing, its own broker)."""
    command = "import sys; from exchange.cli.main import main; sys.exit(main(sys.argv[1:]))"
    args = ["demo", "--seed", "7", "--size", "300", "--keep", "--json", "--data-dir", str(directory)]
    done = subprocess.run(
        [sys.executable, "-c", command, *args],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONHASHSEED": hash_seed},
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout), done.stderr


def _flag_numbering(directory: Path) -> list[tuple[Any, ...]]:
    engine = db.create_db_engine(f"sqlite:///{directory / 'exchange.db'}")
    try:
        with Session(engine) as session:
            query = select(
                Flag.id, Flag.fingerprint, Flag.code, Flag.state, Flag.file_id, Flag.taxpayer_id, Flag.amount
            ).order_by(Flag.id)
            return [tuple(row) for row in session.execute(query)]
    finally:
        engine.dispose()


def test_same_seed_same_demo(tmp_path: Path) -> None:
    """Two runs of one seed give the same files in the same order, the same summary, the same flag ids."""
    first, first_err = _demo_process(tmp_path / "one", "1")
    second, _ = _demo_process(tmp_path / "two", "2")
    for summary in (first, second):
        for varying in ("timings", "seconds", "broker", "store", "directory", "delivery"):
            summary.pop(varying)
        for direction in summary["two_way"]["directions"]:
            direction.pop("message_ref_id")  # ours carry a unique part (the 50008 pattern)
    assert [(f["sender"], f["sent"]) for f in first["files"]] == [
        (f["sender"], f["sent"]) for f in second["files"]
    ]
    assert first == second
    numbering = _flag_numbering(tmp_path / "one")
    assert numbering and numbering == _flag_numbering(tmp_path / "two")
    # The broker is started before any Kafka client talks to it: no connection refusal in the output.
    assert "Unable connect" not in first_err and "aiokafka" not in first_err


def test_flags_in_the_summary_are_the_stores(demo: tuple[dict[str, Any], Path]) -> None:
    summary, directory = demo
    engine = db.create_db_engine(f"sqlite:///{directory / 'exchange.db'}")
    try:
        with Session(engine) as session:
            raised = Counter(session.scalars(select(Flag.code).where(Flag.state == "raised")))
            unpublished = session.scalar(
                select(func.count()).select_from(FlagEventRow).where(FlagEventRow.published_at.is_(None))
            )
    finally:
        engine.dispose()
    by_code = summary["flags"]["by_code"]
    assert {
        code: states.get("raised", 0) for code, states in by_code.items() if states.get("raised")
    } == dict(raised)
    assert {"DC01", "ID01"} <= set(raised)  # undeclared accounts and people unknown to the registry
    assert unpublished == 0  # every flag event went out on the flags topic


def test_every_file_is_read_back_with_its_round_and_planned_outcome(
    demo: tuple[dict[str, Any], Path],
) -> None:
    summary, _ = demo
    assert [r["round"] for r in summary["rounds"]] == [1, 2]
    assert all(f["round"] in (1, 2) and f["sent"] for f in summary["files"])
    assert set(summary["outcomes"]) <= {"accepted", "accepted_with_errors", "rejected"}
    assert summary["as_planned"] == summary["files_sent"]
