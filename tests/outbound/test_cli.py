"""`exchange outbound cut|list|show` on a store with a submission: identifiers and counts only."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import Engine

from exchange.cli.main import main
from exchange.settings import Settings
from exchange.submissions.process import Submissions
from tests.submissions.conftest import report, submission

PERSONAL = ("Peeters", "85073003328", "Somewhere 1", "1980-05-17")


def test_operators_cut_list_and_show_outbound_messages(
    be_settings: Settings,
    db_url: str,
    db_engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("EXCHANGE_DATABASE_URL", db_url)
    monkeypatch.setenv("EXCHANGE_DATA_DIR", str(be_settings.data_dir))
    Submissions(be_settings, db_engine).process(
        submission(report("BE2025-0403019261-AR1", "NL"), report("BE2025-0403019261-AR2", "LU"))
    )
    capsys.readouterr()  # the processing's log
    assert main(["outbound", "list", "--json"]) == 0
    waiting = json.loads(capsys.readouterr().out)["waiting"]
    assert {(w["partner"], w["doc_type_indic"], w["records"]) for w in waiting} == {
        ("LU", "OECD1", 1),
        ("NL", "OECD1", 1),
    }
    assert main(["outbound", "cut", "--period", "2025", "--partner", "nl", "--json"]) == 0
    [made] = json.loads(capsys.readouterr().out)
    assert made["partner"] == "NL" and made["message_type_indic"] == "CRS701"
    assert main(["outbound", "show", made["message_ref_id"]]) == 0
    shown = capsys.readouterr().out
    assert "OECD1 1" in shown and "0403019261" in shown
    assert main(["outbound", "list"]) == 0
    listed = capsys.readouterr().out
    assert "waiting for LU (2025-12-31): 1 OECD1" in listed and made["message_ref_id"] in listed
    assert not any(value in shown + listed for value in PERSONAL)
    assert main(["outbound", "show", "999"]) == 1
