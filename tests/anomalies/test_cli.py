"""`exchange flags` as analysts use it, on the evaluated world: filters, sorting, paging, exports, one
flag's evidence, the study tables, the rules, the SQL views, and the audit of every query."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from exchange.anomalies.models import Flag
from exchange.anomalies.study import study_table
from exchange.audit import AuditEntry
from exchange.cli.main import main
from tests.anomalies.builders import CLAES, EL_AMRANI, PEETERS
from tests.anomalies.conftest import World


@pytest.fixture
def flags_cli(world: World, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> World:
    monkeypatch.setenv("EXCHANGE_DATABASE_URL", world.engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("EXCHANGE_LOG_LEVEL", "warning")
    # The settings the world was evaluated with: other thresholds would change its flags.
    monkeypatch.setenv("EXCHANGE_FLAG_MANY_ACCOUNTS_MIN", str(world.settings.flag_many_accounts_min))
    return world


def _json(capsys: pytest.CaptureFixture[str], *args: str) -> list[dict[str, object]]:
    capsys.readouterr()
    assert main(["flags", *args, "--format", "json"]) == 0
    rows: list[dict[str, object]] = json.loads(capsys.readouterr().out)
    return rows


def test_filters_sorting_and_paging(flags_cli: World, capsys: pytest.CaptureFixture[str]) -> None:
    amounts = [row["amount"] for row in _json(capsys, "--code", "dc01", "--sort", "amount", "--asc")]
    assert amounts == ["100.00", "500.00", "2000.00", "15000.00"]
    page = _json(capsys, "--code", "DC01", "--sort", "amount", "--asc", "--limit", "2", "--offset", "1")
    assert [row["amount"] for row in page] == ["500.00", "2000.00"]
    assert len(_json(capsys, "--code", "DC01", "--sender", "nl")) == 2
    ranged = _json(capsys, "--code", "DC01", "--min-amount", "1000", "--max-amount", "20000")
    assert sorted(str(row["amount"]) for row in ranged) == ["15000.00", "2000.00"]
    peeters = _json(capsys, "--taxpayer", "85.07.30-033.28")  # as an analyst types it
    assert {row["code"] for row in peeters} == {"ID02", "ID03"}
    risky = _json(capsys, "--min-score", "80")
    assert {row["national_id"] for row in risky} == {CLAES.national_id, EL_AMRANI.national_id}
    scores = [row["taxpayer_score"] for row in _json(capsys)]
    assert scores == sorted(scores, key=lambda s: -1.0 if s is None else float(str(s)), reverse=True)
    assert _json(capsys, "--state", "retracted") == [] and _json(capsys, "--year", "2024") == []


def test_filters_by_file_institution_and_time(flags_cli: World, capsys: pytest.CaptureFixture[str]) -> None:
    lu_file, nl_file = (changes.events[0].file_id for changes in flags_cli.changes)
    # What the NL file touches: its two accounts, and the year of Claes, who holds them.
    nl = {(row["code"], row["national_id"]) for row in _json(capsys, "--file", str(nl_file))}
    claes = CLAES.national_id
    assert nl == {("DC01", claes), ("DC02", claes), ("AC02", claes), ("SB01", claes)}
    both = _json(capsys, "--file", str(nl_file), "--file", str(lu_file))
    assert len(both) == len(_json(capsys))
    ing = _json(capsys, "--institution", "NL003367972B01")
    assert [row["code"] for row in ing] == ["DC01", "DC01"]
    assert _json(capsys, "--institution", "nl:NL003367972B01") == ing
    assert _json(capsys, "--institution", "LU:NL003367972B01") == []
    assert _json(capsys, "--since", "2000-01-01") == _json(capsys)
    assert _json(capsys, "--since", "1h") == _json(capsys)  # raised by the module's evaluation
    assert _json(capsys, "--until", "2000-01-01") == [] and _json(capsys, "--since", "2999-01-01") == []


def test_json_lists_and_shows(flags_cli: World, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(["flags", "--code", "DC01", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed == _json(capsys, "--code", "DC01") and len(listed) == 4
    assert main(["flags", "--json", "--format", "csv"]) == 2
    [unknown] = flags_cli.flags("ID01")
    assert main(["flags", "show", str(unknown.id), "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert isinstance(shown, dict) and shown["id"] == unknown.id
    assert (shown["reported_name"], shown["reported_tin"], shown["taxpayer_id"]) == (
        "Femke de Vries",
        None,
        None,
    )
    assert main(["flags", "show", str(unknown.id)]) == 0
    assert "reported as: Femke de Vries, TIN none given" in capsys.readouterr().out


def test_the_terminal_table(flags_cli: World, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(["flags", "--code", "NF01"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == [
        "id",
        "code",
        "severity",
        "taxpayer",
        "risk",
        "reported",
        "as",
        "reported",
        "TIN",
        "from",
        "year",
        "amount",
        "cur",
        "raised",
        "(UTC)",
    ]
    assert "250,000.00" in lines[1] and EL_AMRANI.national_id in lines[1]
    assert lines[-1] == "flags 1-1 of 1"
    # A person the registry does not know is shown as the bank reported them, to search for.
    assert main(["flags", "--code", "ID01"]) == 0
    [unknown] = capsys.readouterr().out.splitlines()[1:-1]
    assert "Femke de Vries" in unknown


def test_exports(flags_cli: World, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    capsys.readouterr()
    assert main(["flags", "--code", "DC01", "--sort", "amount", "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [row["amount"] for row in rows] == ["15000.00", "2000.00", "500.00", "100.00"]
    assert json.loads(rows[0]["evidence"])["country"] == "LU"

    target = tmp_path / "flags.parquet"
    assert main(["flags", "--sort", "amount", "--format", "parquet", "--output", str(target)]) == 0
    table = pq.read_table(target)
    assert str(table.schema.field("amount").type) == "decimal128(18, 2)"
    assert table.column("amount").to_pylist()[0] == Decimal("250000.00")
    assert table.num_rows == 16

    assert main(["flags", "--format", "parquet"]) == 2  # nowhere to write binary data
    assert main(["flags", "--format", "json", "--output", str(tmp_path / "f.json"), "--limit", "3"]) == 0
    assert len(json.loads((tmp_path / "f.json").read_text())) == 3


def test_show_prints_the_evidence_and_the_match_explanation(
    flags_cli: World, capsys: pytest.CaptureFixture[str]
) -> None:
    [conflict] = flags_cli.flags("ID03")
    capsys.readouterr()
    assert main(["flags", "show", str(conflict.id)]) == 0
    out = capsys.readouterr().out
    assert "ID03 identity-conflict" in out and "why: A home TIN" in out
    assert "match: conflict by tin" in out and "given_name: different" in out
    assert "account: LU-W1-05" in out and "other raised flags" in out
    assert main(["flags", "show", str(conflict.id), "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["match"]["decision"] == "conflict" and shown["match"]["candidates"]
    assert shown["evidence"]["best_candidate"] == shown["match"]["candidates"][0]["taxpayer_id"]
    assert main(["flags", "show", "999999"]) == 1
    assert capsys.readouterr().err.strip() == "error: no flag 999999"


def test_study_tables_hide_small_cells_and_name_nobody(
    flags_cli: World, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EXCHANGE_FLAG_STUDY_MIN_TAXPAYERS", "2")
    capsys.readouterr()
    assert main(["flags", "study", "--format", "json"]) == 0
    out = capsys.readouterr().out
    cells = {(row["code"], row["sender"]): row for row in json.loads(out)}
    assert cells[("DC01", "LU")] | {"name": None} == {
        "code": "DC01",
        "name": None,
        "sender": "LU",
        "reporting_year": 2025,
        "currency": "EUR",
        "flags": 2,
        "subjects": 2,
        "amount_total": "15500.00",
        "suppressed": False,
    }
    assert cells[("DC01", "NL")]["suppressed"] is True and cells[("DC01", "NL")]["flags"] is None
    assert cells[("SB01", None)]["suppressed"] is True
    for resident in (PEETERS, CLAES, EL_AMRANI):
        assert resident.national_id not in out and resident.family not in out
    assert '"taxpayer_id"' not in out


def test_every_analyst_query_is_audited(
    flags_cli: World, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert main(["flags", "--code", "DC01", "--analyst", "ann", "--format", "csv"]) == 0
    [flag] = flags_cli.flags("NF01")
    monkeypatch.setenv("EXCHANGE_ANALYST", "bob")
    assert main(["flags", "show", str(flag.id)]) == 0
    assert main(["flags", "study"]) == 0
    with Session(flags_cli.engine) as session:
        queries = session.scalars(
            select(AuditEntry).where(AuditEntry.actor.in_(["ann", "bob"])).order_by(AuditEntry.id)
        ).all()
    ann = next(q for q in queries if q.actor == "ann")
    assert (ann.action, ann.row_count, ann.output_format) == ("flags.list", 4, "csv")
    assert ann.details["codes"] == ["DC01"] and ann.details["state"] == "raised" and ann.at.tzinfo
    assert [(q.action, q.row_count) for q in queries if q.actor == "bob"][-2:] == [
        ("flags.show", 1),
        ("flags.study", 12),
    ]
    # Showing a flag is about its taxpayer, or the reported person when the registry knows nobody.
    shown = [q for q in queries if q.actor == "bob" and q.action == "flags.show"][-1]
    assert shown.subject == f"taxpayer {flag.taxpayer_id}"
    [unknown] = flags_cli.flags("ID01")
    assert main(["flags", "show", str(unknown.id), "--analyst", "cleo"]) == 0
    assert main(["flags", "show", "999999", "--analyst", "cleo"]) == 1
    with Session(flags_cli.engine) as session:
        cleo = session.scalars(
            select(AuditEntry).where(AuditEntry.actor == "cleo").order_by(AuditEntry.id)
        ).all()
    assert [(q.subject, q.row_count) for q in cleo] == [
        (f"party {unknown.party_id}", 1),
        ("flag 999999", 0),
    ]


def test_rules_list_their_thresholds(
    flags_cli: World, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EXCHANGE_FLAG_CLOSED_AMOUNT_MIN", "1000")
    capsys.readouterr()
    assert main(["flags", "rules", "--json"]) == 0
    rules = {rule["code"]: rule for rule in json.loads(capsys.readouterr().out)}
    assert len(rules) == 20  # 13 on CRS and FATCA, 7 on DPI and CbC
    assert rules["AC03"]["thresholds"] == {"flag_closed_amount_min": "1000", "flag_currency": "EUR"}
    assert rules["ID03"]["severity"] == "high" and rules["ID03"]["why"].endswith(".")


def test_evaluating_an_evaluated_store_changes_nothing(
    flags_cli: World, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert main(["flags", "evaluate", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"raised": 0, "updated": 0, "retracted": 0}
    assert main(["flags", "evaluate", "--file", "1", "--file", "2"]) == 0
    assert capsys.readouterr().out.strip() == "0 raised, 0 updated, 0 retracted"


def test_the_sql_views(world: World) -> None:
    with Session(world.engine) as session:
        flags = {flag.id: flag for flag in session.scalars(select(Flag))}
        rows = session.execute(
            text("SELECT flag_id, amount, national_id, taxpayer_score FROM analysis_flag")
        ).all()
        assert {row.flag_id for row in rows} == set(flags)
        for row in rows:
            expected = flags[row.flag_id].amount
            assert (row.amount is None) == (expected is None)
            if expected is not None:
                assert Decimal(str(row.amount)) == expected
        study = session.execute(
            text(
                "SELECT code, sender, flags, taxpayers, amount_total"
                " FROM study_flag_counts WHERE code = 'DC01'"
            )
        ).all()
        assert sorted((r.sender, r.flags, r.taxpayers, Decimal(str(r.amount_total))) for r in study) == [
            ("LU", 2, 2, Decimal("15500.00")),
            ("NL", 2, 1, Decimal("2100.00")),
        ]
        risks = session.execute(text("SELECT national_id, score FROM analysis_taxpayer_risk")).all()
        assert {r.national_id: r.score for r in risks}[CLAES.national_id] == 98.4
        assert len(study_table(session, 1)) == 12
