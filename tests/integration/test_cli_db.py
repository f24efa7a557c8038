"""`exchange db` against SQLite and the real PostgreSQL."""

from __future__ import annotations

import json

import pytest

from exchange import db
from exchange.cli.main import main


def test_db_upgrade_then_current(
    db_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EXCHANGE_DATABASE_URL", db_url)
    assert main(["db", "current", "--json"]) == 1  # empty store: not up to date
    capsys.readouterr()
    assert main(["db", "upgrade", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["revision_before"] is None
    assert result["revision"] == result["head"] == db.head_revision()
    assert result["home_jurisdiction"] == "BE"
    assert main(["db", "current", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["up_to_date"] is True


def test_db_upgrade_refuses_a_store_of_another_home(
    db_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EXCHANGE_DATABASE_URL", db_url)
    assert main(["db", "upgrade"]) == 0
    monkeypatch.setenv("EXCHANGE_HOME_JURISDICTION", "NL")
    assert main(["db", "upgrade"]) == 1
    assert "belongs to BE" in capsys.readouterr().err
