"""Reading registry files row by row, CSV or Parquet, with the row's number for the reject report."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from exchange.registry.columns import RegistryFileError

_BATCH_ROWS = 10_000


@dataclass(frozen=True, slots=True)
class SourceFile:
    path: Path
    format: str  # csv, parquet
    columns: list[str]
    total_rows: int  # exact for Parquet; counted lines for CSV (a quoted newline makes it an estimate)


def file_format(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in {".csv", ".txt"}:
        return "csv"
    if suffix in {".parquet", ".pq"}:
        return "parquet"
    raise RegistryFileError(f"{path.name}: unknown file type (expected .csv or .parquet)")


def open_source(path: Path) -> SourceFile:
    if not path.is_file():
        raise RegistryFileError(f"file not found: {path}")
    fmt = file_format(path)
    if fmt == "parquet":
        try:
            metadata = pq.ParquetFile(path).metadata
        except Exception as exc:  # pyarrow raises ArrowInvalid and OSError for files that are not Parquet
            raise RegistryFileError(
                f"{path.name}: not a readable Parquet file ({type(exc).__name__})"
            ) from None
        return SourceFile(path, fmt, list(metadata.schema.names), metadata.num_rows)
    with path.open(encoding="utf-8-sig", newline="") as handle:
        header = next(csv.reader(handle), None)
    if not header:
        raise RegistryFileError(f"{path.name}: empty file (a header row is required)")
    with path.open("rb") as raw:
        lines = sum(chunk.count(b"\n") for chunk in iter(lambda: raw.read(1 << 20), b""))
    return SourceFile(path, fmt, [column.strip() for column in header], max(lines - 1, 0))


def rows(source: SourceFile) -> Iterator[tuple[int, dict[str, Any] | str]]:
    """(row number, values by column, or why the row cannot be read): CSV rows are numbered by line
    (the header is line 1), Parquet rows from 1."""
    if source.format == "parquet":
        number = 0
        for batch in pq.ParquetFile(source.path).iter_batches(batch_size=_BATCH_ROWS):
            for values in batch.to_pylist():
                number += 1
                yield number, values
        return
    try:
        with source.path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle)
            next(reader)
            for values in reader:
                if not any(cell.strip() for cell in values):
                    continue  # blank line
                if len(values) != len(source.columns):
                    yield reader.line_num, f"has {len(values)} fields, the header {len(source.columns)}"
                    continue
                yield reader.line_num, dict(zip(source.columns, values, strict=True))
    except UnicodeDecodeError:
        raise RegistryFileError(f"{source.path.name}: not UTF-8 text") from None
