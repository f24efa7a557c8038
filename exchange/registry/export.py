"""Writing a synthetic population as registry files (CSV or Parquet, the columns `registry load`
reads), and the foreign reports about it with their ground truth kept in a separate file."""

from __future__ import annotations

import csv
import dataclasses
import json
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from exchange.registry.columns import TABLES
from exchange.registry.data import FileRow
from exchange.registry.load import population_tables
from exchange.registry.synthetic.population import Population
from exchange.registry.synthetic.reports import SyntheticReport


def _columns(table: str) -> list[str]:
    spec = TABLES[table]
    key = [column for column in ("national_id", "enterprise_number") if column in spec.required]
    return [*key, *sorted(spec.required - set(key)), *sorted(spec.optional)]


def _record(row: FileRow, columns: Sequence[str]) -> dict[str, Any]:
    values = dataclasses.asdict(row)
    if "kind" in values and isinstance(values["kind"], Enum):
        values["kind"] = values["kind"].value
    return {column: values.get(column) for column in columns}


def _csv_value(value: Any) -> str:
    return "" if value is None else str(value)


def write_table(rows: Sequence[FileRow], table: str, path: Path) -> Path:
    columns = _columns(table)
    records = [_record(row, columns) for row in rows]
    if path.suffix == ".parquet":
        empty = pa.table({column: pa.array([], pa.string()) for column in columns})
        pq.write_table(pa.Table.from_pylist(records) if records else empty, path)
        return path
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        writer.writerows([_csv_value(record[c]) for c in columns] for record in records)
    return path


def write_population(population: Population, directory: Path, fmt: str = "csv") -> dict[str, Path]:
    """One file per registry table, named after it (taxpayers.csv, addresses.csv, ...)."""
    directory.mkdir(parents=True, exist_ok=True)
    return {
        table: write_table(rows, table, directory / f"{table}.{fmt}")
        for table, rows in population_tables(population).items()
    }


_AMOUNT = pa.decimal128(18, 2)  # wide enough for any amount of the registry, so that every chunk fits


def _arrow_type(inferred: pa.Schema | None, column: str) -> pa.DataType:
    """The column's type for every chunk: what the first chunk's values say, except that a column it
    leaves empty is text and amounts get one precision (inferred, they take the first value's)."""
    kind = pa.string() if inferred is None else inferred.field(column).type
    if pa.types.is_null(kind):
        return pa.string()
    return _AMOUNT if pa.types.is_decimal(kind) else kind


def _arrow_schema(records: Sequence[dict[str, Any]], columns: Sequence[str]) -> pa.Schema:
    inferred = pa.Table.from_pylist(list(records)).schema if records else None
    return pa.schema([(column, _arrow_type(inferred, column)) for column in columns])


class PopulationWriter:
    """The registry files of a population streamed chunk by chunk (iter_population): each chunk's rows
    appended to the same files, so a national registry is written in the memory of one chunk."""

    def __init__(self, directory: Path, fmt: str = "csv") -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.paths = {table: directory / f"{table}.{fmt}" for table in TABLES}
        self._csv: dict[str, tuple[Any, Any]] = {}
        self._parquet: dict[str, pq.ParquetWriter] = {}
        self._fmt = fmt

    def write(self, population: Population) -> None:
        for table, rows in population_tables(population).items():
            columns = _columns(table)
            records = [_record(row, columns) for row in rows]
            if self._fmt == "parquet":
                self._write_parquet(table, columns, records)
            else:
                self._write_csv(table, columns, records)

    def _write_csv(self, table: str, columns: Sequence[str], records: Sequence[dict[str, Any]]) -> None:
        if table not in self._csv:
            handle = self.paths[table].open("w", encoding="utf-8", newline="")
            writer = csv.writer(handle)
            writer.writerow(columns)
            self._csv[table] = (handle, writer)
        writer = self._csv[table][1]
        writer.writerows([_csv_value(record[c]) for c in columns] for record in records)

    def _write_parquet(self, table: str, columns: Sequence[str], records: Sequence[dict[str, Any]]) -> None:
        if table not in self._parquet:
            self._parquet[table] = pq.ParquetWriter(self.paths[table], _arrow_schema(records, columns))
        writer = self._parquet[table]
        writer.write_table(pa.Table.from_pylist(list(records), schema=writer.schema))

    def close(self) -> dict[str, Path]:
        """Finish the files (an empty one, with its header, for a table no chunk had rows of)."""
        for table, path in self.paths.items():
            if table not in self._csv and table not in self._parquet:
                write_table([], table, path)
        for handle, _ in self._csv.values():
            handle.close()
        for writer in self._parquet.values():
            writer.close()
        return dict(self.paths)


def _json_default(value: Any) -> Any:
    if isinstance(value, date | Decimal):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    raise TypeError(f"cannot encode {type(value).__name__}")


def write_reports(
    reports: Sequence[SyntheticReport], directory: Path, sender: str, *, append: bool = False
) -> tuple[Path, Path]:
    """reports_{sender}.jsonl (one AccountReport per line, as the demo turns them into CRS XML) and
    truth_{sender}.csv (who each reported party really is, and what was garbled); `append` adds the
    reports about a further chunk of a streamed population to the files of the earlier ones."""
    directory.mkdir(parents=True, exist_ok=True)
    report_path = directory / f"reports_{sender}.jsonl"
    truth_path = directory / f"truth_{sender}.csv"
    mode = "a" if append else "w"
    with report_path.open(mode, encoding="utf-8") as handle:
        for item in reports:
            record = dataclasses.asdict(item.report) | {"institution": item.institution.name}
            handle.write(json.dumps(record, default=_json_default, ensure_ascii=False) + "\n")
    with truth_path.open(mode, encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        if not append:
            writer.writerow(["doc_ref_id", "party", "national_id", "noise"])
        for item in reports:
            for position, (truth, labels) in enumerate(zip(item.truth, item.noise, strict=True)):
                writer.writerow([item.report.doc_spec.doc_ref_id, position, truth or "", "; ".join(labels)])
    return report_path, truth_path
