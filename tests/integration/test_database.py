"""Migrations and the store's identity, on SQLite and on the real PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, inspect, text

from exchange import db
from exchange.errors import ConfigError
from exchange.instance import claim_store
from exchange.settings import Settings


def test_upgrade_reaches_head_and_creates_tables(db_url: str) -> None:
    engine = db.create_db_engine(db_url)
    try:
        assert db.current_revision(engine) is None
        assert db.upgrade(engine) == db.head_revision()
        assert "instance_identity" in inspect(engine).get_table_names()
        assert db.upgrade(engine) == db.head_revision()  # a second upgrade is a no-op
    finally:
        engine.dispose()


def test_downgrade_to_base_removes_everything(db_engine: Engine) -> None:
    db.downgrade(db_engine, "base")
    assert db.current_revision(db_engine) is None
    assert "instance_identity" not in inspect(db_engine).get_table_names()


def test_store_is_claimed_once_and_guards_its_home(db_engine: Engine, settings: Settings) -> None:
    first = claim_store(db_engine, settings)
    assert first.home_jurisdiction == "BE"
    assert claim_store(db_engine, settings).created_at == first.created_at
    with pytest.raises(ConfigError, match="belongs to BE"):
        claim_store(db_engine, settings.model_copy(update={"home_jurisdiction": "NL"}))


def test_sqlite_runs_in_wal_with_foreign_keys(tmp_path) -> None:  # type: ignore[no-untyped-def]
    engine = db.create_db_engine(f"sqlite:///{tmp_path / 'nested' / 'x.db'}")
    try:
        with engine.connect() as connection:
            assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
    finally:
        engine.dispose()


def test_postgres_is_the_real_server(postgres_cluster) -> None:  # type: ignore[no-untyped-def]
    engine = db.create_db_engine(postgres_cluster.url())
    try:
        with engine.connect() as connection:
            version = connection.execute(text("SHOW server_version")).scalar()
    finally:
        engine.dispose()
    assert str(version).split(".")[0] in {"15", "16", "17"}
