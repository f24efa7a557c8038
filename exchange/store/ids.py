"""Primary keys chosen before the rows are written, so the bulk path can link children to parents
without reading anything back (COPY returns no keys)."""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from typing import Any, Protocol

from sqlalchemy import Connection, Table, func, insert, select, text


class IdAllocator(Protocol):
    def next(self, table: str) -> int: ...


class SequenceIds:
    """PostgreSQL: blocks of keys from each table's own sequence, safe beside concurrent writers."""

    def __init__(self, connection: Connection, block: int = 1024) -> None:
        self._connection = connection
        self._block = block
        self._free: dict[str, deque[int]] = {}

    def next(self, table: str) -> int:
        free = self._free.setdefault(table, deque())
        if not free:
            rows = self._connection.execute(
                text("SELECT nextval(CAST(:sequence AS regclass)) FROM generate_series(1, :n)"),
                {"sequence": f"{table}_id_seq", "n": self._block},
            )
            free.extend(row[0] for row in rows)
        return free.popleft()


class CounterIds:
    """SQLite: the file's transaction holds the database's only write lock, so counting on from the
    highest key cannot collide."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self._last: dict[str, int] = {}

    def next(self, table: str) -> int:
        last = self._last.get(table)
        if last is None:
            last = self._connection.execute(text(f"SELECT coalesce(max(id), 0) FROM {table}")).scalar_one()
        self._last[table] = last + 1
        return last + 1


def id_allocator(connection: Connection) -> IdAllocator:
    if connection.dialect.name == "postgresql":
        return SequenceIds(connection)
    return CounterIds(connection)


def insert_with_ids(connection: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> list[int]:
    """Insert the rows; their keys, in the rows' order. PostgreSQL returns them from one batched
    INSERT ... RETURNING. SQLite cannot promise RETURNING's order for a batch, so SQLAlchemy would send
    the rows one statement each (two thirds of a flag write's time): the keys are counted on from the
    highest instead, as CounterIds does, and the rows go in one executemany."""
    if not rows:
        return []
    key = table.c.id
    if connection.dialect.name == "postgresql":
        returning = insert(table).returning(key, sort_by_parameter_order=True)
        return list(connection.execute(returning, rows).scalars())
    last = connection.execute(select(func.coalesce(func.max(key), 0))).scalar_one()
    ids = list(range(last + 1, last + 1 + len(rows)))
    connection.execute(insert(table), [{**row, "id": n} for row, n in zip(rows, ids, strict=True)])
    return ids
