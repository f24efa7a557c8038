"""The hand-written 0003 migration creates exactly the registry and reconciliation tables the models
declare, on both engines, and goes down cleanly to the store before it."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect

import exchange.reconcile.models  # noqa: F401  (registry and reconciliation tables on the metadata)
from exchange import db
from exchange.models import metadata

OURS = {
    "taxpayer",
    "taxpayer_address",
    "tax_return",
    "declared_foreign_account",
    "social_benefit",
    "party_match",
}
LINKAGE = {"taxpayer_link", "name_frequency", "linkage_model"}  # revision 0011


def test_migration_matches_the_models(db_engine: Engine) -> None:
    with db_engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}), metadata)
    assert diff == []
    assert set(inspect(db_engine).get_table_names()) >= OURS | LINKAGE


def test_downgrade_to_the_store_removes_only_our_tables(db_engine: Engine) -> None:
    at_head = set(inspect(db_engine).get_table_names())
    db.downgrade(db_engine, "0003")  # what later revisions added goes first
    before = set(inspect(db_engine).get_table_names())
    assert "taxpayer_block_key" in before and not before & LINKAGE  # 0011 went down to what 0003 made
    db.downgrade(db_engine, "0002")
    assert set(inspect(db_engine).get_table_names()) == before - OURS - {"taxpayer_block_key"}
    db.upgrade(db_engine)
    assert set(inspect(db_engine).get_table_names()) == at_head
