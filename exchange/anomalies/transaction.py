"""The write transaction of an evaluation, and the locks that let evaluations run side by side.

Two files from different senders can touch the same taxpayer (an NL and a LU account of one person):
evaluated side by side without locks, each would compare against flags the other is about to change,
and both would rewrite the taxpayer's risk score from what they see. What evaluations share is narrow:
- account chains and institution years belong to one sender (a correction names a chain of its own
  sender), so evaluations of one sender's files take that sender's lock, and files of different senders
  never meet there;
- taxpayer years (their flags and the taxpayer's risk score) are shared across senders: they are
  evaluated in ascending order of taxpayer id, each batch first locking its taxpayers' rows of
  `taxpayer_lock` (FOR UPDATE, in that order). Every evaluation locks in the same ascending order, so
  none waits for another that waits for it (no deadlock), and a taxpayer year is evaluated only when
  the evaluation that had it before has committed: what comes out is what one evaluation after the
  other gives. The lock is the taxpayer's own, so two files about different people never wait for
  each other. Row locks are kept in the rows, not in PostgreSQL's shared lock table, which one
  advisory lock per taxpayer of a large file would overflow (the 1,024 advisory buckets used before
  were each covered by any file of a few thousand taxpayers, so large files waited for each other's
  commit even when they shared no one). A taxpayer's lock row is created the first time it is needed,
  committed at once on a connection of its own: created inside the evaluation, it would be a lock
  taken outside the ascending order;
- a whole-store evaluation (`evaluate_all`) touches everything: it takes the store lock exclusively,
  file evaluations take it shared.

On PostgreSQL the sender and store locks are transaction-scoped advisory locks and the taxpayers' are
row locks, all released at commit or rollback; each statement after a lock sees what the evaluations
before committed (READ COMMITTED). SQLite has one
writer at a time: BEGIN IMMEDIATE takes its write lock up front instead of failing on a lock upgrade
after reading, and the locks above are not needed.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from contextlib import contextmanager

from sqlalchemy import BigInteger, Connection, Engine, Table, bindparam, func, select, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert

from exchange.anomalies.models import TaxpayerLock
from exchange.store.value_lists import among

# Advisory lock namespaces (the first key of pg_advisory_xact_lock(int, int)).
_STORE, _SENDER = 7_301, 7_302
_LOCKS: Table = TaxpayerLock.__table__  # type: ignore[assignment]


@contextmanager
def evaluation_transaction(engine: Engine, sender: str | None) -> Iterator[Connection]:
    """The evaluation's one transaction, holding the locks of a file of `sender` (None: of the whole
    store). Commit when the block ends normally; roll back on any exception."""
    with engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        elif sender is None:
            connection.execute(text("SELECT pg_advisory_xact_lock(:ns, 0)"), {"ns": _STORE})
        else:
            connection.execute(text("SELECT pg_advisory_xact_lock_shared(:ns, 0)"), {"ns": _STORE})
            connection.execute(
                text("SELECT pg_advisory_xact_lock(:ns, hashtext(:sender))"),
                {"ns": _SENDER, "sender": sender},
            )
        try:
            yield connection
        except BaseException:
            connection.rollback()
            raise
        connection.commit()


def lock_taxpayers(connection: Connection, taxpayer_ids: Collection[int]) -> None:
    """Wait for the locks of these taxpayers, in ascending order of id. A taxpayer already locked by
    this transaction is locked again at no cost."""
    if connection.dialect.name == "sqlite" or not taxpayer_ids:
        return
    ids = sorted(taxpayer_ids)
    with connection.engine.connect() as own:  # committed before any lock is taken: see the docstring
        new_rows = pg_insert(_LOCKS).from_select(
            ["taxpayer_id"], select(func.unnest(bindparam("ids", type_=ARRAY(BigInteger))))
        )
        own.execute(new_rows.on_conflict_do_nothing(), {"ids": ids})
        own.commit()
    key = _LOCKS.c.taxpayer_id
    connection.execute(select(key).where(among(connection, key, ids)).order_by(key).with_for_update()).all()
