"""The hand-written migration creates exactly what the models declare, on both engines."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect

import exchange.store.models  # noqa: F401  (the store's tables on the metadata)
from exchange import db
from exchange.models import metadata
from exchange.store.rows import COLUMNS


def test_migration_matches_the_models(db_engine: Engine) -> None:
    with db_engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}), metadata)
    assert diff == []


def test_bulk_rows_cover_every_column_in_table_order(db_engine: Engine) -> None:
    for table, columns in COLUMNS.items():
        assert list(columns) == [column.name for column in metadata.tables[table].columns], table
    # Parents before children, so the bulk path never writes a row whose foreign key is not there yet.
    order = list(COLUMNS)
    for table in order:
        for key in metadata.tables[table].foreign_keys:
            parent = key.column.table.name
            if parent in COLUMNS and parent != table:
                assert order.index(parent) < order.index(table), (parent, table)


def test_downgrade_removes_the_store(db_engine: Engine) -> None:
    db.downgrade(db_engine, "0001")
    assert set(inspect(db_engine).get_table_names()) == {"alembic_version", "instance_identity"}
    db.upgrade(db_engine)
    assert "doc_record" in inspect(db_engine).get_table_names()
