"""The write transaction of an evaluation, and the locks that let evaluations run side by side.

Two files from different senders can touch the same taxpayer (an NL and a LU account of one person):
evaluated side by side without locks, each would compare against flags the other is about to change,
and both would rewrite the taxpayer's risk score from what they see. What evaluations share is narrow:
- account chains and institution years belong to one sender (a correction names a chain of its own
  sender), so evaluations of one sender's files take that sender's lock, and files of different senders
  never meet there;
- taxpayer years (their flags and the taxpayer's risk score) are shared across senders: they are
  evaluated in ascending order of their taxpayer's lock bucket (`taxpayer_bucket`), each batch first
  taking the locks of its buckets. Every evaluation takes its locks in the same ascending order, so
  none waits for another that waits for it (no deadlock), and a taxpayer year is evaluated only when
  the evaluation that had it before has committed: what comes out is what one evaluation after the
  other gives. Buckets bound the locks one transaction holds (`TAXPAYER_LOCK_BUCKETS`), far below
  PostgreSQL's lock table;
- a whole-store evaluation (`evaluate_all`) touches everything: it takes the store lock exclusively,
  file evaluations take it shared.

On PostgreSQL these are transaction-scoped advisory locks, released at commit or rollback; each
statement after a lock sees what the evaluations before committed (READ COMMITTED). SQLite has one
writer at a time: BEGIN IMMEDIATE takes its write lock up front instead of failing on a lock upgrade
after reading, and the locks above are not needed.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine, text

# Taxpayer lock buckets: a taxpayer's bucket is its id modulo this. Two evaluations whose taxpayers share
# no bucket evaluate their taxpayer years at the same time; one transaction holds at most this many.
TAXPAYER_LOCK_BUCKETS = 1024
# Advisory lock namespaces (the first key of pg_advisory_xact_lock(int, int)).
_STORE, _SENDER, _TAXPAYERS = 7_301, 7_302, 7_303


def taxpayer_bucket(taxpayer_id: int) -> int:
    return taxpayer_id % TAXPAYER_LOCK_BUCKETS


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


def lock_taxpayer_buckets(connection: Connection, buckets: Collection[int]) -> None:
    """Wait for the locks of these taxpayer buckets, in ascending order. A bucket already held by this
    transaction is taken again at no cost."""
    if connection.dialect.name == "sqlite" or not buckets:
        return
    connection.execute(
        text(
            "SELECT count(pg_advisory_xact_lock(:ns, bucket))"
            " FROM unnest(CAST(:buckets AS integer[])) AS bucket"
        ),
        {"ns": _TAXPAYERS, "buckets": sorted(buckets)},
    )
