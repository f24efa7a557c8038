"""`exchange registry load|generate` and `exchange reconcile` from the command line, on both engines."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from exchange.cli.main import main


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
