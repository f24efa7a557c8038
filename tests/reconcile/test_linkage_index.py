"""The linkage index and the trained model in the database, on SQLite and PostgreSQL: blocks over the
cap are counted, never read; a trained model is stored under a version of its own, which the decisions
then use and name, and which gives way to the declared model when the declared levels change."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import Engine, select

from exchange.cli.main import main
from exchange.reconcile.blocking import RULE_BY_NAME
from exchange.reconcile.db_source import DatabaseSource
from exchange.reconcile.model import MODEL_VERSION, default_model
from exchange.reconcile.models import PartyMatch
from exchange.reconcile.profile import taxpayer_profile
from exchange.reconcile.service import reconcile_file
from exchange.reconcile.training import model_from_dict, trained_models
from exchange.records import PartyKind
from exchange.registry.bulk import bulk_load
from exchange.registry.data import TaxpayerData
from exchange.registry.load import load_population
from exchange.registry.synthetic.numbers import be_national_number
from exchange.registry.synthetic.population import Population, iter_population
from exchange.registry.synthetic.reports import chunk_seed, generate_reports
from exchange.settings import Settings
from tests.reconcile.test_reconcile_store import _store

BORN = date(1980, 1, 1)


def _namesakes(engine: Engine, count: int) -> None:
    """`count` people called Jan Peeters born the same day, and one Piet Claes."""
    population = Population("BE", 2025, 0)
    for serial in range(count + 1):
        given, family = ("Jan", "Peeters") if serial < count else ("Piet", "Claes")
        population.taxpayers.append(
            TaxpayerData(
                be_national_number(BORN, 2 * serial + 1),
                PartyKind.INDIVIDUAL,
                given_names=given,
                family_name=family,
                birth_date=BORN,
            )
        )
    load_population(engine, population)


def _key(given: str, family: str) -> tuple[str, str]:
    rule = RULE_BY_NAME["bdf"]
    return rule.name, rule.key(
        taxpayer_profile(0, PartyKind.INDIVIDUAL, "", given_names=given, family_name=family, birth=BORN)
    )


def test_a_block_over_the_cap_is_counted_and_never_read(db_engine: Engine) -> None:
    _namesakes(db_engine, 6)
    peeters, claes = _key("Jan", "Peeters"), _key("Piet", "Claes")
    with db_engine.connect() as connection:
        source = DatabaseSource(connection, "BE")
        found = source.lookup({peeters, claes}, max_block_size=5)
        assert set(found) == {claes} and source.rows_read == 1
        wider = DatabaseSource(connection, "BE")
        found = wider.lookup({peeters, claes}, max_block_size=6)
        assert len(found[peeters]) == 6 and wider.rows_read == 7


def test_the_cost_of_a_look_up_does_not_grow_with_the_registry(db_engine: Engine) -> None:
    _namesakes(db_engine, 3)
    keys = {_key("Jan", "Peeters"), _key("Piet", "Claes")}
    with db_engine.connect() as connection:
        small = DatabaseSource(connection, "BE")
        small.lookup(keys, 100)
    bulk_load(db_engine, iter_population(2000, seed=4))  # a registry of other people, 500x larger
    with db_engine.connect() as connection:
        large = DatabaseSource(connection, "BE")
        large.lookup(keys, 100)
    assert (large.rows_read, large.statements) == (small.rows_read, small.statements)


@pytest.fixture
def trained_store(db_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> tuple[Engine, int]:
    """A registry of 6,000 taxpayers and one stored file of NL's and LU's reports about it."""
    monkeypatch.setenv("EXCHANGE_DATABASE_URL", db_engine.url.render_as_string(hide_password=False))
    (population,) = iter_population(6000, seed=8)
    bulk_load(db_engine, [population])
    reports = [
        item.report for s in ("NL", "LU") for item in generate_reports(population, s, chunk_seed(8, 0))
    ]
    return db_engine, _store(db_engine, "TRAIN", reports)


def test_training_stores_a_model_under_a_new_version_that_decisions_then_name(
    trained_store: tuple[Engine, int], settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    engine, file_id = trained_store
    capsys.readouterr()
    assert main(["reconcile", "--train", "--json"]) == 0
    trained = json.loads(capsys.readouterr().out)
    person = trained["individual"]
    assert person["version"].startswith(f"{MODEL_VERSION}+em") and person["random_pairs"] > 1000
    assert person["sessions"]["tin"]["converged"] and person["sessions"]["tin"]["pairs"] >= 200
    with engine.connect() as connection:
        models = trained_models(connection)
    model = models[PartyKind.INDIVIDUAL]
    assert model.version == person["version"]
    declared = default_model(PartyKind.INDIVIDUAL)
    assert [lv.m for lv in model.comparison("given_name").levels] != [
        lv.m for lv in declared.comparison("given_name").levels
    ]  # learnt from the data, not the declared values

    reconcile_file(engine, file_id, settings)
    with engine.connect() as connection:
        versions = set(
            connection.execute(
                select(PartyMatch.model_version).where(PartyMatch.file_id == file_id)
            ).scalars()
        )
    assert person["version"] in versions

    assert main(["reconcile", "--train", "--json"]) == 0  # a second training: the newest serves
    newer = json.loads(capsys.readouterr().out)["individual"]["version"]
    with engine.connect() as connection:
        assert (
            newer != person["version"] and trained_models(connection)[PartyKind.INDIVIDUAL].version == newer
        )


def test_a_stored_model_on_levels_declared_since_gives_way_to_the_declared_model() -> None:
    stored = default_model(PartyKind.INDIVIDUAL).to_dict() | {"version": "fs-1+em1"}
    assert model_from_dict(PartyKind.INDIVIDUAL, stored) is not None
    stored["comparisons"][0]["levels"][0]["label"] = "a level the declared model no longer has"
    assert model_from_dict(PartyKind.INDIVIDUAL, stored) is None


def test_training_without_a_registry_is_a_one_line_error(
    db_engine: Engine, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("EXCHANGE_DATABASE_URL", db_engine.url.render_as_string(hide_password=False))
    assert main(["reconcile", "--train"]) == 1
    assert "no registry loaded" in capsys.readouterr().err
    assert main(["reconcile", "--train", "--rematch"]) == 2
