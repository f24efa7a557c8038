"""The write transaction of an evaluation, serialised across workers.

Two files from different senders can touch the same taxpayer (an NL and a LU account of one person):
evaluated side by side, each would compare against flags the other is about to change. PostgreSQL takes
a transaction-scoped advisory lock; SQLite starts with BEGIN IMMEDIATE, taking its single write lock up
front instead of failing on a lock upgrade after reading.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

_LOCK_KEY = "exchange.anomalies.evaluation"


@contextmanager
def evaluation_session(engine: Engine) -> Iterator[Session]:
    """Commit when the block ends normally; roll back on any exception."""
    with Session(engine) as session:
        connection = session.connection()
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            connection.execute(
                text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"), {"key": _LOCK_KEY}
            )
        try:
            yield session
        except BaseException:
            session.rollback()
            raise
        session.commit()
