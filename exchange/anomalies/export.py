"""Writing analyst results: a readable table for a terminal, CSV, JSON and Parquet for other tools.

Rows are plain dicts; each format is given the columns it writes and their kinds, so amounts stay exact
(text in CSV and JSON, DECIMAL(18,2) in Parquet) and times stay UTC.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

FORMATS = ("table", "csv", "parquet", "json")


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    kind: str  # int, float, text, amount, time, bool, json
    header: str | None = None  # shown in a terminal table; None: not shown there


FLAG_COLUMNS = (
    Column("id", "int", "id"),
    Column("code", "text", "code"),
    Column("name", "text"),
    Column("severity", "text", "severity"),
    Column("score", "int"),
    Column("state", "text"),
    Column("taxpayer_id", "int"),
    Column("national_id", "text", "taxpayer"),
    Column("taxpayer_score", "float", "risk"),
    Column("sender", "text", "from"),
    Column("reporting_year", "int", "year"),
    Column("institution", "text"),
    Column("amount", "amount", "amount"),
    Column("currency", "text", "cur"),
    Column("raised_at", "time", "raised (UTC)"),
    Column("retracted_at", "time"),
    Column("evidence", "json"),
)
STUDY_COLUMNS = (
    Column("code", "text", "code"),
    Column("name", "text", "name"),
    Column("sender", "text", "from"),
    Column("reporting_year", "int", "year"),
    Column("currency", "text", "cur"),
    Column("flags", "int", "flags"),
    Column("subjects", "int", "subjects"),
    Column("amount_total", "amount", "amount"),
    Column("suppressed", "bool"),
)


def _text(value: Any, kind: str) -> str:
    """A value as a person or a CSV reader should see it."""
    if value is None:
        return ""
    if kind == "amount":
        return f"{value:.2f}"
    if kind == "time":
        return str(value.isoformat())
    if kind == "json":
        return json.dumps(value, sort_keys=True)
    return str(value)


def _json_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def write_json(rows: Sequence[dict[str, Any]], stream: IO[str]) -> None:
    json.dump(list(rows), stream, indent=2, sort_keys=True, default=_json_value)
    stream.write("\n")


def write_csv(rows: Sequence[dict[str, Any]], columns: Sequence[Column], stream: IO[str]) -> None:
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow([column.name for column in columns])
    for row in rows:
        writer.writerow([_text(row.get(column.name), column.kind) for column in columns])


def write_parquet(rows: Sequence[dict[str, Any]], columns: Sequence[Column], path: Path) -> None:
    import pyarrow as pa  # heavy: only the Parquet export pays for it
    import pyarrow.parquet as pq

    types = {
        "int": pa.int64(),
        "float": pa.float64(),
        "text": pa.string(),
        "amount": pa.decimal128(18, 2),
        "time": pa.timestamp("us", tz="UTC"),
        "bool": pa.bool_(),
        "json": pa.string(),
    }
    schema = pa.schema([pa.field(column.name, types[column.kind]) for column in columns])
    data = [
        {
            column.name: _text(row.get(column.name), "json")
            if column.kind == "json"
            else row.get(column.name)
            for column in columns
        }
        for row in rows
    ]
    pq.write_table(pa.Table.from_pylist(data, schema=schema), path)


def render_table(rows: Sequence[dict[str, Any]], columns: Sequence[Column]) -> str:
    """Aligned columns, numbers to the right, amounts with thousands separators."""
    shown = [column for column in columns if column.header is not None]
    cells = [[_cell(row.get(column.name), column.kind) for column in shown] for row in rows]
    headers = [column.header or column.name for column in shown]
    widths = [max([len(header), *(len(line[i]) for line in cells)]) for i, header in enumerate(headers)]
    right = [column.kind in {"int", "float", "amount"} for column in shown]

    def line(values: Sequence[str]) -> str:
        parts = [v.rjust(w) if r else v.ljust(w) for v, w, r in zip(values, widths, right, strict=True)]
        return "  ".join(parts).rstrip()

    return "\n".join([line(headers), *(line(values) for values in cells)])


def _cell(value: Any, kind: str) -> str:
    if value is None:
        return "-"
    if kind == "amount":
        return f"{value:,.2f}"
    if kind == "time":
        return str(value.strftime("%Y-%m-%d %H:%M"))
    if kind == "float":
        return f"{value:.1f}"
    return str(value)
