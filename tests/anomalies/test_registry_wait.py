"""Before the registry is loaded, files wait for it instead of flooding analysts with ID01: their parties
are recorded as awaiting (one warning per file), no identity or declaration flag is raised, and the
commands say what to do; once it is loaded, reconciling and evaluating raise the flags. On SQLite and
PostgreSQL."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from structlog.testing import capture_logs

from exchange.anomalies import evaluate_file
from exchange.anomalies.models import Flag
from exchange.cli.main import main
from exchange.reconcile.models import PartyMatch
from exchange.settings import Settings
from tests.anomalies.builders import BANQUE_EXEMPLE, CLAES, PEETERS, STRANGER, Sender, load_registry, report

NOT_LOADED = (
    "warning: no registry loaded: 1 files await reconciliation; load it with `exchange registry load`, "
    "then `exchange reconcile --rematch` and `exchange flags evaluate`"
)
LOADED_SINCE = (
    "warning: 1 files await reconciliation against the registry: run `exchange reconcile`, "
    "then `exchange flags evaluate`"
)


def _decisions(engine: Engine) -> list[str]:
    with Session(engine) as session:
        return list(session.scalars(select(PartyMatch.decision).order_by(PartyMatch.party_id)))


def _raised(engine: Engine) -> list[str]:
    with Session(engine) as session:
        return sorted(session.scalars(select(Flag.code).where(Flag.state == "raised")))


@pytest.fixture
def cli(db_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Engine:
    monkeypatch.setenv("EXCHANGE_DATABASE_URL", db_engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("EXCHANGE_LOG_LEVEL", "warning")
    return db_engine


def test_files_wait_for_the_registry(
    cli: Engine, settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    reports = (
        report("LU-R1-01", STRANGER),
        report("LU-R1-02", PEETERS.party()),
        report("LU-R1-03", CLAES.party(), balance="15000.00"),
    )
    with capture_logs() as logs:
        file_id = Sender(BANQUE_EXEMPLE).send(cli, settings, "R1", *reports)
    assert [entry["event"] for entry in logs if entry["log_level"] == "warning"] == [
        "no registry loaded: the file's parties await reconciliation"
    ]
    assert _decisions(cli) == ["awaiting"] * 3
    evaluate_file(cli, file_id, settings)
    assert _raised(cli) == []  # not three people "not found"

    capsys.readouterr()
    assert main(["flags"]) == 0
    assert capsys.readouterr().err.strip() == NOT_LOADED
    assert main(["reconcile", "--json"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["awaiting"] == 3 and err.strip().splitlines()[-1] == NOT_LOADED

    load_registry(cli)
    assert main(["flags"]) == 0
    assert capsys.readouterr().err.strip() == LOADED_SINCE
    assert main(["reconcile"]) == 0  # takes the waiting file along
    out, err = capsys.readouterr()
    assert out.startswith("1 files, 3 parties: 2 matched") and err == ""
    assert _decisions(cli) == ["no_match", "match", "match"]
    assert main(["flags", "evaluate"]) == 0
    assert capsys.readouterr().out.strip() == "3 raised, 0 updated, 0 retracted"
    assert _raised(cli) == ["DC01", "ID01", "SB01"]
    assert main(["flags", "--code", "ID01", "--json"]) == 0
    out, err = capsys.readouterr()
    assert len(json.loads(out)) == 1 and err == ""
