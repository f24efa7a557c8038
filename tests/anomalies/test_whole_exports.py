"""An export writes every flag that matches, streamed, whatever the terminal's page; the audit counts
what was written; what a user can type wrong is one line, never an internal error. On SQLite and
PostgreSQL, with more flags than a page and than a chunk of the stream."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from exchange.anomalies import evaluate_file
from exchange.audit import AuditEntry
from exchange.cli.main import main
from exchange.records import TIN, Address, AddressFix, Name, Party, PartyKind
from exchange.settings import Settings
from tests.anomalies.builders import BANQUE_EXEMPLE, Sender, load_registry, report

UNKNOWN = 120  # people nobody in the registry resembles: one ID01 each


def _stranger(number: int) -> Party:
    return Party(
        PartyKind.INDIVIDUAL,
        (Name(first=f"Giulia{number:03d}", last=f"Rossi{number:03d}"),),
        res_country_codes=("BE",),
        tins=(TIN(f"RSSGLI{number:05d}", issued_by="IT"),),
        addresses=(Address("BE", fix=AddressFix(city="Gent", street="Veldstraat")),),
        birth_date=date(1970, 1, 1 + number % 28),
    )


@pytest.fixture
def many(
    db_engine: Engine, settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Engine:
    load_registry(db_engine)
    reports = [report(f"LU-M1-{n:03d}", _stranger(n)) for n in range(UNKNOWN)]
    evaluate_file(db_engine, Sender(BANQUE_EXEMPLE).send(db_engine, settings, "M1", *reports), settings)
    monkeypatch.setenv("EXCHANGE_DATABASE_URL", db_engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("EXCHANGE_LOG_LEVEL", "warning")
    # Smaller chunks than the result: the stream must go on reading after the first.
    monkeypatch.setattr("exchange.anomalies.queries.STREAM_CHUNK", 7)
    monkeypatch.setattr("exchange.anomalies.export.PARQUET_ROWS_PER_GROUP", 50)
    capsys.readouterr()
    return db_engine


def _audited(engine: Engine, analyst: str) -> list[tuple[str, int | None, str | None]]:
    with Session(engine) as session:
        entries = session.scalars(
            select(AuditEntry).where(AuditEntry.actor == analyst).order_by(AuditEntry.id)
        ).all()
        return [(entry.action, entry.row_count, entry.output_format) for entry in entries]


def test_an_export_writes_every_flag(
    many: Engine, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    target = tmp_path / "flags.csv"
    assert main(["flags", "--format", "csv", "-o", str(target), "--analyst", "ann"]) == 0
    assert capsys.readouterr().err.strip() == f"{UNKNOWN} rows written to {target}"
    rows = list(csv.DictReader(io.StringIO(target.read_text())))
    assert len(rows) == UNKNOWN and len({row["id"] for row in rows}) == UNKNOWN
    assert {row["code"] for row in rows} == {"ID01"}
    # Whom to search for: the name and TIN the bank reported.
    assert {row["reported_tin"] for row in rows} == {f"RSSGLI{n:05d}" for n in range(UNKNOWN)}
    assert "Giulia000 Rossi000" in {row["reported_name"] for row in rows}

    assert main(["flags", "--json", "--analyst", "ann"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == UNKNOWN

    parquet = tmp_path / "flags.parquet"
    assert main(["flags", "--format", "parquet", "-o", str(parquet), "--analyst", "ann"]) == 0
    assert pq.ParquetFile(parquet).metadata.num_row_groups == 3  # written 50 rows at a time
    assert pq.read_table(parquet).num_rows == UNKNOWN

    assert main(["flags", "--format", "csv", "--limit", "30", "--analyst", "ann"]) == 0
    assert len(list(csv.DictReader(io.StringIO(capsys.readouterr().out)))) == 30
    assert _audited(many, "ann") == [
        ("flags.list", UNKNOWN, "csv"),
        ("flags.list", UNKNOWN, "json"),
        ("flags.list", UNKNOWN, "parquet"),
        ("flags.list", 30, "csv"),
    ]


def test_the_terminal_table_shows_a_page_and_says_so(
    many: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["flags", "--analyst", "bob"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1 + 50 + 1
    assert lines[-1].startswith(f"flags 1-50 of {UNKNOWN} (--limit and --offset for more")
    assert main(["flags", "--offset", "100", "--analyst", "bob"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == f"flags 101-{UNKNOWN} of {UNKNOWN}"
    assert _audited(many, "bob") == [("flags.list", 50, "table"), ("flags.list", 20, "table")]


@pytest.mark.parametrize("text", ["abc", "nan", "inf", "-Infinity", "1e400", "1.234", "10000000000000000"])
def test_an_amount_that_is_none_is_a_usage_error(capsys: pytest.CaptureFixture[str], text: str) -> None:
    for option in ("--min-amount", "--max-amount"):
        assert main(["flags", option, text]) == 2
        err = capsys.readouterr().err
        assert f"Invalid value for '{option}'" in err and "internal error" not in err


def test_amounts_as_people_type_them(many: Engine, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["flags", "--min-amount", "1e3", "--max-amount", "1000.5", "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == UNKNOWN  # every balance is 1,000.00
    assert main(["flags", "--min-amount", " 1000.01 ", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_an_output_that_cannot_be_written_is_one_line(
    many: Engine, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    missing = tmp_path / "nonexistent" / "x.csv"
    for fmt in ("csv", "parquet", "json", "table"):
        assert main(["flags", "--format", fmt, "-o", str(missing), "--analyst", "eve"]) == 1
        err = capsys.readouterr().err
        assert err == f"error: cannot write {missing}: No such file or directory\n"
    for command in (["flags", "study"], ["audit"]):
        assert main([*command, "--format", "csv", "-o", str(missing)]) == 1
        assert capsys.readouterr().err.startswith(f"error: cannot write {missing}")
    assert _audited(many, "eve") == []  # nothing was shown
    assert main(["flags", "--since", "yesterday"]) == 2
