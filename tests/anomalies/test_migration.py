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
LATER_PREFIXES = ("dpi_", "cbc_")  # the DPI and CbC store of revision 0013: its tables and views


def test_migration_matches_the_models(db_engine: Engine) -> None:
    with db_engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}), metadata)
    assert diff == []
    assert set(inspect(db_engine).get_table_names()) >= TABLES
    assert _without_later(inspect(db_engine).get_view_names()) == VIEWS


def test_downgrade_removes_only_the_flags(db_engine: Engine) -> None:
    before = set(inspect(db_engine).get_table_names())
    db.downgrade(db_engine, "0003")
    later = {"audit_entry", "file_event", "dlq_decision"}  # tables of revisions after the flags
    later |= before - _without_later(before)
    assert set(inspect(db_engine).get_table_names()) == before - TABLES - later
    assert set(inspect(db_engine).get_view_names()) == set()
    db.upgrade(db_engine)
    assert _without_later(inspect(db_engine).get_view_names()) == VIEWS


def _without_later(names: list[str] | set[str]) -> set[str]:
    return {name for name in names if not name.startswith(LATER_PREFIXES)}
