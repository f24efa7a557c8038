"""`column IN (a long list)` bound as one parameter, for the per-batch reads of reconciliation and flags.

SQLAlchemy's `in_(list)` renders one bound parameter per value and builds a Python object for each of
them, on every execution: at 2,000 ids a query, building and rendering the list cost more than the
database's reading the rows. Bound as one value instead (a PostgreSQL array, a JSON array that SQLite's
`json_each` unnests), the statement is the same text at every size, compiled once and cached, and either
engine still reads the rows by index.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Connection,
    SQLColumnExpression,
    String,
    any_,
    bindparam,
    func,
    select,
)
from sqlalchemy.dialects.postgresql import ARRAY


def among(
    connection: Connection, target: SQLColumnExpression[Any], values: Collection[int | str]
) -> ColumnElement[bool]:
    """`target IN values`, with `values` (all ints, or all strings) bound as one parameter."""
    items = list(values)
    if connection.dialect.name == "postgresql":
        textual = bool(items) and isinstance(items[0], str)
        array = bindparam(None, items, type_=ARRAY(String if textual else BigInteger))
        return target == any_(array)
    unnested = func.json_each(bindparam(None, json.dumps(items), type_=String)).table_valued("value")
    return target.in_(select(unnested.c.value))
