"""`exchange audit` reads the trail newest first, filtered by person, action and time, as a table, CSV or
JSON, and records that it was read without listing itself. On SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, update

from exchange.audit import AuditEntry, AuditFilter, read_trail, record
from exchange.cli.main import main


@pytest.fixture
def trail(db_engine: Engine, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Engine:
    monkeypatch.setenv("EXCHANGE_DATABASE_URL", db_engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("EXCHANGE_LOG_LEVEL", "warning")
    monkeypatch.setenv("EXCHANGE_AUDITOR", "audrey")
    old = record(db_engine, "ann", "flags.list", {"codes": ["DC01"]}, row_count=4, output_format="csv")
    with db_engine.begin() as connection:  # an entry from last week
        last_week = datetime.now(UTC) - timedelta(days=7)
        connection.execute(update(AuditEntry).where(AuditEntry.id == old).values(at=last_week))
    record(db_engine, "ann", "flags.show", {"flag_id": 7}, subject="taxpayer 5", row_count=1)
    record(db_engine, "olga", "dlq.redrive", {"reason": "partner fixed"}, subject="exchange.dlq/0/3")
    capsys.readouterr()
    return db_engine


def _json(capsys: pytest.CaptureFixture[str], *args: str) -> list[dict[str, object]]:
    assert main(["audit", *args, "--format", "json"]) == 0
    rows: list[dict[str, object]] = json.loads(capsys.readouterr().out)
    return rows


def test_the_trail_newest_first_and_filtered(trail: Engine, capsys: pytest.CaptureFixture[str]) -> None:
    everything = _json(capsys)
    assert [(row["actor"], row["action"]) for row in everything] == [
        ("olga", "dlq.redrive"),
        ("ann", "flags.show"),
        ("ann", "flags.list"),
    ]
    assert [row["action"] for row in _json(capsys, "--analyst", "ann")] == ["flags.show", "flags.list"]
    assert _json(capsys, "--actor", "ann", "--action", "flags.show")[0]["subject"] == "taxpayer 5"
    assert [row["actor"] for row in _json(capsys, "--action", "dlq.")] == ["olga"]
    assert [row["action"] for row in _json(capsys, "--actor", "ann", "--since", "1d")] == ["flags.show"]
    assert [row["action"] for row in _json(capsys, "--until", "1d")] == ["flags.list"]
    assert len(_json(capsys, "--limit", "1")) == 1
    assert _json(capsys, "--actor", "nobody") == []


def test_the_trail_as_a_table_and_as_csv(
    trail: Engine, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert main(["audit", "--limit", "2"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:5] == ["id", "at", "(UTC)", "actor", "action"]
    assert "olga" in lines[1] and "exchange.dlq/0/3" in lines[1]
    assert lines[-1] == "2 entries, newest first (--limit for more, --format csv|json for all)"
    target = tmp_path / "trail.csv"
    assert main(["audit", "--format", "csv", "--output", str(target)]) == 0
    rows = list(csv.DictReader(io.StringIO(target.read_text())))
    assert [row["actor"] for row in rows] == ["audrey", "olga", "ann", "ann"]  # audrey read the table
    assert json.loads(rows[3]["details"]) == {"codes": ["DC01"]} and rows[3]["row_count"] == "4"
    assert main(["audit", "--format", "parquet"]) == 2  # not a format of the trail


def test_reading_the_trail_is_recorded(trail: Engine, capsys: pytest.CaptureFixture[str]) -> None:
    assert len(_json(capsys, "--actor", "ann")) == 2
    newest = _json(capsys)[0]
    assert (newest["action"], newest["actor"]) == ("audit.read", "audrey")  # the first reading, not itself
    readings = list(read_trail(trail, AuditFilter(action_prefix="audit.")))
    assert {(r["actor"], r["output_format"]) for r in readings} == {("audrey", "json")}
    assert [(r["details"]["actor"], r["row_count"]) for r in readings] == [(None, 4), ("ann", 2)]
