"""`exchange demo`, the README's first command, end to end at a small size, its summary checked
against the store it leaves behind."""

from __future__ import annotations

import contextlib
import io
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from exchange import db
from exchange.anomalies.models import Flag, FlagEventRow
from exchange.cli.main import main
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
        with Session(engine) as session:
            files = session.scalars(select(ReceivedFile)).all()
            answered = session.scalar(
                select(func.count())
                .select_from(StatusMessageRow)
                .where(StatusMessageRow.sent_at.is_not(None))
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


def test_demo_cleans_up_without_keep(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--size", "200", "--data-dir", str(tmp_path / "demo")]) == 0
    out = capsys.readouterr().out
    assert "exchange demo: BE received" in out and "status messages:" in out
    assert not (tmp_path / "demo").exists()


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
