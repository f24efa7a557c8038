"""`exchange demo`, the README's first command, end to end on the embedded broker and SQLite."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import inspect

from exchange import db
from exchange.cli.main import main


def test_demo_brings_up_broker_and_store(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--json", "--keep", "--data-dir", str(tmp_path / "demo")]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["broker"]["topics"] == [
        "exchange.inbound",
        "exchange.status",
        "exchange.dlq",
        "exchange.flags",
    ]
    assert result["broker"]["probe_ms"] > 0
    assert result["store"]["revision"] == db.head_revision()
    # The kept store is a real, migrated SQLite database.
    engine = db.create_db_engine(result["store"]["database"])
    try:
        assert db.current_revision(engine) == db.head_revision()
        assert "instance_identity" in inspect(engine).get_table_names()
    finally:
        engine.dispose()


def test_demo_cleans_up_without_keep(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--data-dir", str(tmp_path / "demo")]) == 0
    assert "broker  ready" in capsys.readouterr().out
    assert not (tmp_path / "demo").exists()
