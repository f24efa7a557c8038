"""`exchange registry load|generate` and `exchange reconcile` from the command line, on both engines."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select

from exchange.cli.main import main
from exchange.registry.models import Taxpayer
from exchange.registry.readers import open_source, rows
from exchange.registry.synthetic import population


@pytest.fixture
def store(db_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("EXCHANGE_DATABASE_URL", db_url)
    assert main(["db", "upgrade"]) == 0
    return db_url


def test_generate_load_and_reconcile(store: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "synthetic"
    assert main(["registry", "generate", "--size", "300", "--seed", "5", "--out", str(out), "--json"]) == 0
    generated = json.loads(capsys.readouterr().out)
    assert generated["taxpayers"] == 300 and set(generated["reports"]) == {"NL", "LU"}
    for table in ("taxpayers", "addresses", "returns", "foreign_accounts", "benefits"):
        assert main(["registry", "load", str(out / f"{table}.csv"), "--json"]) == 0
        report = json.loads(capsys.readouterr().out)
        assert (report["table"], report["rows_rejected"]) == (table, 0)
    assert main(["registry", "load", str(out / "taxpayers.csv")]) == 0  # again: an upsert
    assert "300 written, 0 rejected" in capsys.readouterr().out
    assert main(["reconcile", "--json"]) == 0  # no stored file yet: nothing to do
    assert json.loads(capsys.readouterr().out)["files"] == 0


def test_rejected_rows_are_listed_and_fail_the_command(
    store: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "taxpayers.csv"
    path.write_text(
        "national_id,kind,family_name\n85073003328,individual,Peeters\n85073003329,individual,Maes\n"
    )
    rejects = tmp_path / "rejects.csv"
    assert main(["registry", "load", str(path), "--rejects", str(rejects)]) == 1
    out = capsys.readouterr().out
    assert "1 written, 1 rejected" in out and "row 3: national_id" in out
    assert rejects.read_text().splitlines()[1].startswith("3,")


def test_a_file_of_no_known_table_is_one_line_error(
    store: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "x.csv"
    path.write_text("what,ever\n1,2\n")
    assert main(["registry", "load", str(path)]) == 1
    assert capsys.readouterr().err.startswith("error: the columns fit no registry table")


def test_an_outdated_store_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("EXCHANGE_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    path = tmp_path / "taxpayers.csv"
    path.write_text("national_id,kind,family_name\n85073003328,individual,Peeters\n")
    assert main(["registry", "load", str(path)]) == 1
    assert "exchange db upgrade" in capsys.readouterr().err


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_generate_streams_chunks_into_files_and_the_registry(
    store: str, fmt: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(population, "CHUNK_TAXPAYERS", 120)  # 300 taxpayers: three chunks
    out = tmp_path / "synthetic"
    args = ["registry", "generate", "--size", "300", "--out", str(out), "--format", fmt, "--load", "--json"]
    assert main(args) == 0
    generated = json.loads(capsys.readouterr().out)
    assert generated["taxpayers"] == 300 and generated["loaded"] > 300
    ids = [
        row["national_id"] for _, row in rows(open_source(out / f"taxpayers.{fmt}")) if isinstance(row, dict)
    ]
    assert len(ids) == len(set(ids)) == 300
    for sender in ("NL", "LU"):
        lines = (out / f"reports_{sender}.jsonl").read_text(encoding="utf-8").splitlines()
        assert len(lines) == generated["reports"][sender]["reports"]
        doc_ref_ids = [json.loads(line)["doc_spec"]["doc_ref_id"] for line in lines]
        assert len(set(doc_ref_ids)) == len(doc_ref_ids)  # unique across chunks
        with (out / f"truth_{sender}.csv").open(encoding="utf-8") as handle:
            truth = list(csv.DictReader(handle))
        assert len(truth) == generated["reports"][sender]["parties"]
        assert {row["national_id"] for row in truth} - {""} <= set(ids)
    # The files hold what was loaded: loading them again is an upsert that writes the same rows.
    assert main(["registry", "load", str(out / f"taxpayers.{fmt}"), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["rows_rejected"] == 0
    engine = create_engine(store)
    try:
        with engine.connect() as connection:
            assert connection.execute(select(func.count()).select_from(Taxpayer)).scalar_one() == 300
    finally:
        engine.dispose()
