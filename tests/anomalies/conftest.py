"""The world most flag tests look at: one evaluated store per database engine, built once per module."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from exchange import db
from exchange.anomalies import FlagChanges, evaluate_file
from exchange.anomalies.models import Flag
from exchange.settings import Settings
from tests.anomalies.builders import (
    BANQUE_EXEMPLE,
    CLAES,
    DUBOIS,
    EL_AMRANI,
    ING,
    PEETERS,
    STRANGER,
    Sender,
    controlling,
    load_registry,
    passive_nfe,
    report,
)
from tests.conftest import DATABASES
from tests.services import PostgresCluster


@dataclass
class World:
    engine: Engine
    settings: Settings
    changes: list[FlagChanges]

    def flags(self, code: str) -> list[Flag]:
        with Session(self.engine) as session:
            query = select(Flag).where(Flag.code == code, Flag.state == "raised").order_by(Flag.id)
            return list(session.scalars(query))


def world_settings(tmp: Path) -> Settings:
    return Settings(data_dir=tmp, flag_many_accounts_min=3)


def _build(engine: Engine, settings: Settings) -> list[FlagChanges]:
    load_registry(engine)
    lu, nl = Sender(BANQUE_EXEMPLE), Sender(ING)
    lu_file = lu.send(
        engine,
        settings,
        "W1",
        report("LU-W1-01", PEETERS.party(), balance="20000.00", payments=(("CRS502", "5000.00"),)),
        report("LU-W1-02", CLAES.party(), balance="15000.00", payments=(("CRS502", "300.00"),)),
        report("LU-W1-03", DUBOIS.party()),
        report("LU-W1-04", STRANGER),
        report("LU-W1-05", CLAES.party(tin=PEETERS.national_id)),
        report("LU-W1-06", PEETERS.party(tin="85073003329")),
        report("LU-W1-07", passive_nfe(), controlling(EL_AMRANI), controlling(PEETERS), balance="250000.00"),
        report("LU-W1-08", EL_AMRANI.party(), balance="500.00", undocumented=True),
        report("LU-W1-09", DUBOIS.party(), balance="0.00", payments=(("CRS503", "60000.00"),), closed=True),
    )
    nl_file = nl.send(
        engine,
        settings,
        "W2",
        report("NL-W2-01", CLAES.party(), balance="2000.00"),
        report("NL-W2-02", CLAES.party(), balance="100.00"),
    )
    return [evaluate_file(engine, file_id, settings) for file_id in (lu_file, nl_file)]


@pytest.fixture(
    scope="module",
    params=[
        pytest.param(name, marks=[pytest.mark.postgres] if name == "postgresql" else []) for name in DATABASES
    ],
)
def world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    tmp = tmp_path_factory.mktemp("world")
    if request.param == "sqlite":
        url = f"sqlite:///{tmp / 'exchange.db'}"
    else:
        cluster: PostgresCluster = request.getfixturevalue("postgres_cluster")
        url = cluster.create_database(f"w_{uuid.uuid4().hex[:16]}")
    engine = db.create_db_engine(url)
    db.upgrade(engine)
    settings = world_settings(tmp)
    try:
        yield World(engine, settings, _build(engine, settings))
    finally:
        engine.dispose()


def amounts(flags: list[Flag]) -> list[Decimal | None]:
    return [flag.amount for flag in flags]
