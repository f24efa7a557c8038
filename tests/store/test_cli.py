"""`exchange files`: the operator's view of received files and their errors."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import Engine

from exchange.cli.main import main
from exchange.store import store_file
from tests.store import factory as f


def test_files_list_and_errors(
    db_url: str, db_engine: Engine, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EXCHANGE_DATABASE_URL", db_url)
    store_file(db_engine, f.packet("a"), f.header("M1"), f.new_file("FI-1", [f.account_report("AR-1")]))
    store_file(db_engine, f.packet("b"), f.header("M1"), [f.reporting_fi("FI-2")])
    store_file(
        db_engine, f.packet("c"), f.header("M2", "CRS702"), [f.account_report("AR-9", "OECD2", "AR-404")]
    )
    capsys.readouterr()

    env = ["--log-level", "error"]
    assert main([*env, "files", "list", "--json", "--state", "rejected"]) == 0
    (rejected,) = json.loads(capsys.readouterr().out)
    assert (rejected["rejection_code"], rejected["message_ref_id"]) == (50009, "M1")

    assert main([*env, "files", "list"]) == 0
    table = capsys.readouterr().out
    assert table.count("\n") == 4 and "stored" in table and "50009" in table

    assert main([*env, "files", "errors", "80002", "--sender", "NL"]) == 0
    assert "80002 AR-9: CorrDocRefId names no known record" in capsys.readouterr().out
