"""Writing analyst results: a readable table for a terminal, CSV, JSON and Parquet for other tools.

Rows are plain dicts; each format is given the columns it writes and their kinds, so amounts stay exact
(text in CSV and JSON, DECIMAL(18,2) in Parquet) and times stay UTC. CSV, JSON and Parquet take rows as
they come and write them at once (Parquet a row group at a time), so an export of every row holds one
row group at most; each writer returns how many rows it wrote. The terminal table needs its widths, so
it takes a page of rows.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from itertools import islice
from pathlib import Path
from typing import IO, Any

from exchange.errors import ExchangeError

FORMATS = ("table", "csv", "parquet", "json")
# Rows per Parquet row group: what an export holds in memory at most, as Python rows and as Arrow.
PARQUET_ROWS_PER_GROUP = 5_000


class OutputError(ExchangeError):
    """The output file cannot be written."""


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
    Column("party_id", "int"),
    # Filled for a flag about no known taxpayer (ID01): whom to search for.
    Column("reported_name", "text", "reported as"),
    Column("reported_tin", "text", "reported TIN"),
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
AUDIT_COLUMNS = (
    Column("id", "int", "id"),
    Column("at", "time", "at (UTC)"),
    Column("actor", "text", "actor"),
    Column("action", "text", "action"),
    Column("subject", "text", "subject"),
    Column("row_count", "int", "rows"),
    Column("output_format", "text", "format"),
    Column("details", "json", "details"),
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


def write_json(rows: Iterable[dict[str, Any]], stream: IO[str]) -> int:
    """A JSON array of the rows, one object after the other as they come."""
    count = 0
    stream.write("[")
    for row in rows:
        text = json.dumps(row, indent=2, sort_keys=True, default=_json_value)
        stream.write(("\n" if count == 0 else ",\n") + "\n".join("  " + line for line in text.splitlines()))
        count += 1
    stream.write("\n]\n" if count else "]\n")
    return count


def write_one_json(row: dict[str, Any], stream: IO[str]) -> None:
    json.dump(row, stream, indent=2, sort_keys=True, default=_json_value)
    stream.write("\n")


def write_csv(rows: Iterable[dict[str, Any]], columns: Sequence[Column], stream: IO[str]) -> int:
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow([column.name for column in columns])
    count = 0
    for row in rows:
        writer.writerow([_text(row.get(column.name), column.kind) for column in columns])
        count += 1
    return count


def write_parquet(
    rows: Iterable[dict[str, Any]],
    columns: Sequence[Column],
    stream: IO[bytes],
    rows_per_group: int | None = None,
) -> int:
    """Parquet by row groups of `rows_per_group` (`PARQUET_ROWS_PER_GROUP`) rows, each written when full."""
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
    size = rows_per_group or PARQUET_ROWS_PER_GROUP
    count = 0
    with pq.ParquetWriter(stream, schema) as writer:
        iterator = iter(rows)
        while group := list(islice(iterator, size)):
            data = [
                {
                    column.name: _text(row.get(column.name), "json")
                    if column.kind == "json"
                    else row.get(column.name)
                    for column in columns
                }
                for row in group
            ]
            writer.write_table(pa.Table.from_pylist(data, schema=schema), row_group_size=size)
            count += len(group)
    return count


@contextmanager
def output_file(path: Path, binary: bool = False) -> Iterator[IO[Any]]:
    """The file an export is written to. A file that cannot be opened or written is one line naming
    it; one left half written by a failure is removed, so that no partial export passes for whole."""
    try:
        stream: IO[Any] = path.open("wb") if binary else path.open("w", encoding="utf-8", newline="")
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
    try:
        with stream:
            yield stream
    except OSError as exc:
        _remove(path)
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
    except BaseException:
        _remove(path)
        raise


def _remove(path: Path) -> None:
    # Nothing was left, or nothing can be done about it: the error being raised is what matters.
    with suppress(OSError):
        path.unlink()


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
    if kind == "json":
        return json.dumps(value, sort_keys=True)
    return str(value)
