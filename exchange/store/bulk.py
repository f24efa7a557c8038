"""The fastest correct insert of many rows on each engine: COPY on PostgreSQL, one executemany per
table and batch on SQLite, always inside the caller's transaction."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any, Protocol

from sqlalchemy import Connection

from exchange.store.types import amount_to_hundredths, quantize_amount

Row = tuple[Any, ...]
_EMPTY_LIST = "[]"


def encode_codes(values: Sequence[str]) -> str:
    """A JSON array as SQLAlchemy's JSON type writes it, so the ORM reads bulk rows back unchanged."""
    return json.dumps(list(values)) if values else _EMPTY_LIST


class BulkWriter(Protocol):
    def insert(self, table: str, columns: Sequence[str], rows: Sequence[Row]) -> None: ...

    def amount(self, value: Decimal) -> Decimal | int: ...

    def day(self, value: date | None) -> date | str | None: ...


class CopyWriter:
    def __init__(self, connection: Connection) -> None:
        self._dbapi: Any = connection.connection.dbapi_connection

    def insert(self, table: str, columns: Sequence[str], rows: Sequence[Row]) -> None:
        if not rows:
            return
        with (
            self._dbapi.cursor() as cursor,
            cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)

    def amount(self, value: Decimal) -> Decimal:
        return quantize_amount(value)

    def day(self, value: date | None) -> date | None:
        return value


class ExecutemanyWriter:
    def __init__(self, connection: Connection) -> None:
        self._dbapi: Any = connection.connection.dbapi_connection

    def insert(self, table: str, columns: Sequence[str], rows: Sequence[Row]) -> None:
        if not rows:
            return
        placeholders = ", ".join("?" * len(columns))
        cursor = self._dbapi.cursor()
        try:
            cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})", rows)
        finally:
            cursor.close()

    def amount(self, value: Decimal) -> int:
        return amount_to_hundredths(value)  # the storage form of `Amount` on SQLite

    def day(self, value: date | None) -> str | None:
        return None if value is None else value.isoformat()  # SQLAlchemy's Date storage on SQLite


def bulk_writer(connection: Connection) -> BulkWriter:
    if connection.dialect.name == "postgresql":
        return CopyWriter(connection)
    return ExecutemanyWriter(connection)
