"""Reconciling a stored file against the registry in the database, on SQLite and PostgreSQL:
decisions per party per file, replaced by a rematch after the registry changes."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from exchange.cli.main import main
from exchange.reconcile.models import PartyMatch
from exchange.reconcile.service import files_with_reports, reconcile_file, rematch
from exchange.records import (
    TIN,
    AccountReport,
    DocSpec,
    MessageHeader,
    Name,
    Party,
    PartyKind,
    PartyRole,
    ReportingFI,
)
from exchange.registry.data import AddressData, TaxpayerData
from exchange.registry.load import load_population
from exchange.registry.models import Taxpayer
from exchange.registry.synthetic.population import Population, generate_population
from exchange.registry.synthetic.reports import generate_reports
from exchange.registry.upsert import upsert_dependents, upsert_taxpayers
from exchange.settings import Settings
from exchange.store import PacketInfo, store_file
from tests.reconcile.builders import company, person


def _store(engine: Engine, name: str, reports: list[AccountReport], sender: str = "LU") -> int:
    packet = PacketInfo(hashlib.sha256(name.encode()).hexdigest(), "CTS", sender, "BE", "CRS", 1000)
    header = MessageHeader(
        message_type="CRS",
        transmitting_country=sender,
        receiving_country="BE",
        message_ref_id=f"{sender}2025BE{name}",
        reporting_period=date(2025, 12, 31),
        timestamp=datetime(2026, 3, 1, 9, 0, tzinfo=UTC),
        message_type_indic="CRS701",
    )
    fi = ReportingFI(
        DocSpec("OECD1", f"{sender}2025-{name}-FI"),
        (Name(full="Banque Exemple"),),
        res_country_codes=(sender,),
        ins=(TIN("LU12345678", issued_by=sender),),
    )
    outcome = store_file(engine, packet, header, [fi, *reports])
    assert outcome.records_stored == len(reports) + 1, outcome
    return outcome.file_id


def _report(doc_ref_id: str, holder: Party, *controlling: Party) -> AccountReport:
    return AccountReport(
        doc_spec=DocSpec("OECD1", doc_ref_id),
        account_number=f"LU28001{doc_ref_id[-6:]:0>13}",
        holder=holder,
        controlling_persons=controlling,
        balance=Decimal("1000.00"),
        currency="EUR",
    )


def _registry(engine: Engine) -> None:
    with engine.begin() as connection:
        upsert_taxpayers(
            connection,
            [
                TaxpayerData(
                    "85073003328",
                    PartyKind.INDIVIDUAL,
                    given_names="Jan Karel",
                    family_name="Peeters",
                    birth_date=date(1985, 7, 30),
                ),
                TaxpayerData(
                    "01490700185",
                    PartyKind.INDIVIDUAL,
                    given_names="Lien",
                    family_name="Claes",
                    birth_date=date(2001, 9, 7),
                ),
                TaxpayerData("0403019261", PartyKind.ORGANISATION, organisation_name="Voorbeeld Holding NV"),
            ],
        )
        upsert_dependents(
            connection,
            [
                (
                    1,
                    AddressData(
                        "85073003328",
                        date(2015, 1, 1),
                        "Brussel",
                        street="Wetstraat",
                        house_number="16",
                        post_code="1000",
                    ),
                ),
                (
                    2,
                    AddressData(
                        "01490700185",
                        date(2020, 1, 1),
                        "Antwerpen",
                        street="Kerkstraat",
                        house_number="3",
                        post_code="2000",
                    ),
                ),
                (
                    3,
                    AddressData(
                        "0403019261",
                        date(1990, 1, 1),
                        "Brussel",
                        street="Kunstlaan",
                        house_number="1",
                        post_code="1000",
                    ),
                ),
            ],
            lambda rejected: None,
        )


def _decisions(engine: Engine, file_id: int) -> list[PartyMatch]:
    with engine.connect() as connection:
        query = select(PartyMatch).where(PartyMatch.file_id == file_id).order_by(PartyMatch.party_id)
        with Session(connection) as session:
            return list(session.scalars(query))


def _taxpayer_id(engine: Engine, national_id: str) -> int:
    with engine.connect() as connection:
        return connection.execute(select(Taxpayer.id).where(Taxpayer.national_id == national_id)).scalar_one()


def test_a_file_gets_one_decision_per_party(db_engine: Engine, settings: Settings) -> None:
    _registry(db_engine)
    file_id = _store(
        db_engine,
        "F1",
        [
            _report("LU2025-F1-000001", person("Jan", "Peeters", date(1985, 7, 30), "85073003328")),  # exact
            _report("LU2025-F1-000002", person("Lien", "Claes", date(2001, 9, 7), "85073003328")),  # conflict
            _report(
                "LU2025-F1-000003",
                person("Lein", "Claes", date(2001, 9, 7), None, "Kerkstraat", "3", "2000", "Antwerpen"),
            ),
            _report(
                "LU2025-F1-000004",
                company("Voorbeeld Holding", None),
                Party(
                    PartyKind.INDIVIDUAL,
                    (Name(first="Femke", last="de Vries"),),
                    role=PartyRole.CONTROLLING_PERSON,
                    birth_date=date(1990, 4, 4),
                ),
            ),
        ],
    )
    summary = reconcile_file(db_engine, file_id, settings)
    assert summary.parties == 5
    assert dict(summary.decisions) == {"match": 3, "conflict": 1, "no_match": 1}
    rows = _decisions(db_engine, file_id)
    peeters, claes = _taxpayer_id(db_engine, "85073003328"), _taxpayer_id(db_engine, "01490700185")
    holding = _taxpayer_id(db_engine, "0403019261")
    assert [(r.decision, r.method, r.taxpayer_id) for r in rows] == [
        ("match", "tin", peeters),
        ("conflict", "tin", peeters),
        ("match", "linkage", claes),
        ("match", "linkage", holding),
        ("no_match", "linkage", None),
    ]
    conflict = rows[1]
    assert conflict.candidates[0]["taxpayer_id"] == claes
    assert {f["field"] for f in conflict.explanation["fields"]} >= {"given_name", "birth_date"}
    assert rows[2].probability is not None and rows[2].probability > 0.9
    assert rows[2].match_weight is not None and rows[2].model_version == "fs-1"

    again = reconcile_file(db_engine, file_id, settings)
    assert again.parties == 5 and len(_decisions(db_engine, file_id)) == 5


def test_rematch_after_a_registry_update(db_engine: Engine, settings: Settings) -> None:
    _registry(db_engine)
    newcomer = person("Femke", "de Vries", date(1990, 4, 4), None, "Damrak", "1", "1000", "Brussel")
    file_id = _store(db_engine, "F2", [_report("LU2025-F2-000001", newcomer)])
    reconcile_file(db_engine, file_id, settings)
    assert [r.decision for r in _decisions(db_engine, file_id)] == ["no_match"]
    with db_engine.begin() as connection:
        upsert_taxpayers(
            connection,
            [
                TaxpayerData(
                    "90040400250",
                    PartyKind.INDIVIDUAL,
                    given_names="Femke",
                    family_name="De Vries",
                    birth_date=date(1990, 4, 4),
                )
            ],
        )
    assert files_with_reports(db_engine) == [file_id]
    summary = rematch(db_engine, settings)
    assert (summary.files, dict(summary.decisions)) == (1, {"match": 1})
    assert _decisions(db_engine, file_id)[0].taxpayer_id == _taxpayer_id(db_engine, "90040400250")


def _truth_rate(engine: Engine, population: Population, file_id: int, truths: list[str | None]) -> float:
    with engine.connect() as connection:
        national = dict(connection.execute(select(Taxpayer.id, Taxpayer.national_id)).all())
    rows = _decisions(engine, file_id)
    right = sum(
        (national.get(r.taxpayer_id) if r.decision == "match" and r.taxpayer_id is not None else None)
        == truth
        for r, truth in zip(rows, truths, strict=True)
    )
    return right / len(rows)


def test_a_synthetic_file_reconciles_like_the_ground_truth(db_engine: Engine, settings: Settings) -> None:
    population = generate_population(1500, seed=11)
    load_population(db_engine, population)
    reports = generate_reports(population, "LU", seed=11)
    file_id = _store(db_engine, "SYN", [item.report for item in reports])
    summary = reconcile_file(db_engine, file_id, settings)
    truths = [truth for item in reports for truth in item.truth]
    assert summary.parties == len(truths)
    # Conflicts and ambiguous namesakes count as wrong here: the bar is on the decisions themselves.
    assert _truth_rate(db_engine, population, file_id, truths) > 0.95


def test_the_reconcile_command(
    db_engine: Engine, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("EXCHANGE_DATABASE_URL", db_engine.url.render_as_string(hide_password=False))
    _registry(db_engine)
    file_id = _store(
        db_engine, "F3", [_report("LU2025-F3-000001", person("Jan", "Peeters", date(1985, 7, 30)))]
    )
    capsys.readouterr()  # what storing the file logged
    assert main(["reconcile", "--json"]) == 0  # the files without decisions
    assert json.loads(capsys.readouterr().out) | {"seconds": 0} == {
        "files": 1,
        "parties": 1,
        "match": 1,
        "candidates": 0,
        "no_match": 0,
        "conflict": 0,
        "awaiting": 0,
        "seconds": 0,
    }
    assert main(["reconcile"]) == 0
    assert capsys.readouterr().out.startswith("0 files")
    assert main(["reconcile", "--rematch"]) == 0
    assert capsys.readouterr().out.startswith("1 files, 1 parties: 1 matched")
    assert main(["reconcile", "--file", str(file_id)]) == 0
