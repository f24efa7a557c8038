"""The write transaction of one file, serialised per sender.

Files of one sender build on each other's correction chains and MessageRefIds, so two workers must
never interleave them: PostgreSQL takes a transaction-scoped advisory lock on the sender (released by
commit, rollback or a dead connection); SQLite starts with BEGIN IMMEDIATE, which takes the database's
single write lock up front instead of failing on a lock upgrade later.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine, text

_LOCK_NAMESPACE = "exchange.store.sender:"


@contextmanager
def sender_transaction(engine: Engine, sender: str) -> Iterator[Connection]:
    """Commit when the block ends normally; roll back on any exception, including a rejection."""
    with engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            connection.execute(
                text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"),
                {"key": _LOCK_NAMESPACE + sender},
            )
            # Every lookup of a load goes by key, but the statistics describe the tables as they were
            # before the load filled them (ANALYZE cannot count another transaction's uncommitted rows),
            # and psycopg's prepared statements soon run generic plans: left to itself, the planner
            # scans the whole growing table for each batch's DocRefIds, and a load turns quadratic.
            connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
        try:
            yield connection
        except BaseException:
            connection.rollback()
            raise
        connection.commit()
