"""The hand-written 0004 migration creates exactly the flag tables the models declare, and the
analysts' views, on both engines, and goes down cleanly to the registry before it."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect

import exchange.anomalies.models  # noqa: F401  (the flag tables on the metadata)
from exchange import db
from exchange.models import metadata

TABLES = {"flag", "flag_event", "taxpayer_risk", "disputed_balance"}
VIEWS = {"analysis_flag", "analysis_taxpayer_risk", "study_flag_counts"}
# 0004's own tables: disputed_balance came with 0008, and 0006 moved analyst_query into the audit trail.
TABLES_OF_0004 = {"flag", "flag_event", "taxpayer_risk", "analyst_query"}


def test_migration_matches_the_models(db_engine: Engine) -> None:
    with db_engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}), metadata)
    assert diff == []
    assert set(inspect(db_engine).get_table_names()) >= TABLES
    assert set(inspect(db_engine).get_view_names()) >= VIEWS


def test_downgrade_removes_only_the_flags(db_engine: Engine) -> None:
    """Going from 0004 to 0003 drops the flag tables and views and nothing else; later revisions are
    taken down first, so this test need not know them."""
    db.downgrade(db_engine, "0004")
    at_0004 = set(inspect(db_engine).get_table_names())
    assert at_0004 >= TABLES_OF_0004
    assert set(inspect(db_engine).get_view_names()) == VIEWS
    db.downgrade(db_engine, "0003")
    assert at_0004 - set(inspect(db_engine).get_table_names()) == TABLES_OF_0004
    assert set(inspect(db_engine).get_view_names()) == set()
    db.upgrade(db_engine)
    assert set(inspect(db_engine).get_view_names()) >= VIEWS
