"""The flags counted per combination of state and facet values (table `flag_facet_count`), kept exact
by the flag writer in the transaction that writes the flags, so that the console's facets and totals
read a few thousand rows instead of counting a million flags (issue 14: 300 ms p95 at 1M flags).

The writer knows each flag's values before and after (flag_rows.compare): a raise adds one to its
combination, a retraction moves one from raised to retracted, a raise again or a change of a facet
column moves one from the old combination to the new. The changes are added in key order, so that two
transactions that touch the same combinations lock them in the same order and cannot deadlock; a
combination's row stays locked until its transaction ends, which costs little because one sender's
files are processed in order (the broker partitions by sender) and the sender is part of the key.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, Table, delete, func, insert, select
from sqlalchemy.dialects import postgresql, sqlite

from exchange.anomalies.models import Flag, FlagFacetCount

# The combination a count is kept for, in the table's key order.
FACET_KEY = ("state", "code", "sender", "severity", "reporting_year", "institution")
# What the table stores for a flag without a sender, a year or an institution (its key cannot be NULL).
NONE_TEXT, NONE_YEAR = "", 0
_NONE = {"sender": NONE_TEXT, "reporting_year": NONE_YEAR, "institution": NONE_TEXT}

FacetKey = tuple[Any, ...]
_COUNTS: Table = FlagFacetCount.__table__  # type: ignore[assignment]


def facet_key(state: str, columns: Mapping[str, Any]) -> FacetKey:
    """The combination a flag in `state` with these columns is counted in, as the table stores it."""
    return (state, *(_stored(name, columns[name]) for name in FACET_KEY[1:]))


def _stored(name: str, value: Any) -> Any:
    return _NONE[name] if value is None and name in _NONE else value


def shown(name: str, value: Any) -> Any:
    """A stored key value as the flag has it (None for the placeholder of a missing one)."""
    return None if name in _NONE and value == _NONE[name] else value


def add_counts(connection: Connection, changes: Counter[FacetKey]) -> None:
    """Add each combination's change (negative for flags that left it) to its count."""
    rows = [dict(zip(FACET_KEY, key, strict=True)) | {"flags": n} for key, n in sorted(changes.items()) if n]
    if not rows:
        return
    dialect_insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
    statement = dialect_insert(_COUNTS)
    statement = statement.on_conflict_do_update(
        index_elements=list(FACET_KEY), set_={"flags": _COUNTS.c.flags + statement.excluded.flags}
    )
    connection.execute(statement, rows)


def recount(connection: Connection) -> None:
    """Count every flag again: for a store whose flags were written other than by the flag writer (a
    bulk load such as bench/console.py's)."""
    connection.execute(delete(_COUNTS))
    key = [func.coalesce(Flag.__table__.c[name], _NONE[name]) if name in _NONE else Flag.__table__.c[name]
           for name in FACET_KEY]  # fmt: skip
    counted = select(*key, func.count()).group_by(*key)
    connection.execute(insert(_COUNTS).from_select([*FACET_KEY, "flags"], counted))
