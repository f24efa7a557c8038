"""`exchange registry load`: a CSV or Parquet file into the registry, in one transaction.

Every row is either written (inserted, or updated in place when its key is already there) or reported
as rejected with its row number and the reason; a row whose key repeats later in the same file is
superseded by the later one and counted as such. Nothing is dropped silently.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine

from exchange.logs import get_logger
from exchange.registry.columns import RowError, TableSpec, detect_table
from exchange.registry.companies import upsert_companies
from exchange.registry.data import (
    AddressData,
    CompanyData,
    DeclaredAccountData,
    DeclaredIncomeData,
    DeclaredPropertyData,
    FileRow,
    TaxpayerData,
    TaxReturnData,
)
from exchange.registry.readers import open_source, rows
from exchange.registry.synthetic.population import Population
from exchange.registry.upsert import Rejected, refresh_frequencies, upsert_dependents, upsert_taxpayers

BATCH_ROWS = 1000
_INDEXED_TABLES = {"taxpayers", "addresses"}  # the tables the linkage index is built from

log = get_logger(__name__)

ProgressHook = Callable[[int], None]


@dataclass
class LoadReport:
    table: str
    rows_read: int = 0
    rows_written: int = 0
    rows_superseded: int = 0  # an earlier row with the same key in the same file
    rejected: list[Rejected] = field(default_factory=list)
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "table": self.table,
            "rows_read": self.rows_read,
            "rows_written": self.rows_written,
            "rows_superseded": self.rows_superseded,
            "rows_rejected": len(self.rejected),
            "rejected": [{"row": r.line, "reason": r.reason} for r in self.rejected],
            "seconds": round(self.seconds, 3),
        }


def _key(row: FileRow) -> tuple[object, ...]:
    """The row's key in its table: a later row with the same key replaces an earlier one."""
    if isinstance(row, CompanyData):
        return (row.country, row.enterprise_number)
    if isinstance(row, TaxpayerData):
        return (row.id_country, row.national_id)
    if isinstance(row, AddressData):
        return (row.id_country, row.national_id, row.valid_from)
    if isinstance(row, TaxReturnData):
        return (row.id_country, row.national_id, row.tax_year)
    if isinstance(row, DeclaredAccountData):
        return (row.id_country, row.national_id, row.tax_year, row.country_code, row.institution)
    if isinstance(row, DeclaredPropertyData):
        return (row.id_country, row.national_id, row.tax_year, row.line)
    if isinstance(row, DeclaredIncomeData):
        return (row.id_country, row.national_id, row.tax_year, row.kind)
    return (row.id_country, row.national_id, row.year, row.kind)


class _Loader:
    def __init__(self, connection: Connection, report: LoadReport, on_progress: ProgressHook | None) -> None:
        self.connection = connection
        self.report = report
        self.on_progress = on_progress

    def write(self, batch: Sequence[tuple[int, FileRow]]) -> None:
        latest: dict[tuple[object, ...], tuple[int, FileRow]] = {}
        for line, row in batch:
            latest[_key(row)] = (line, row)
        self.report.rows_superseded += len(batch) - len(latest)
        companies = [row for _, row in latest.values() if isinstance(row, CompanyData)]
        unique = [(line, row) for line, row in latest.values() if not isinstance(row, CompanyData)]
        if companies:
            self.report.rows_written += upsert_companies(self.connection, companies)
        if unique and isinstance(unique[0][1], TaxpayerData):
            taxpayers = [row for _, row in unique if isinstance(row, TaxpayerData)]
            upsert_taxpayers(self.connection, taxpayers)
            self.report.rows_written += len(taxpayers)
        else:
            self.report.rows_written += upsert_dependents(
                self.connection, unique, self.report.rejected.append
            )
        if self.on_progress is not None:
            self.on_progress(len(batch))

    def run(self, parsed: Iterable[tuple[int, FileRow]]) -> None:
        batch: list[tuple[int, FileRow]] = []
        for item in parsed:
            batch.append(item)
            if len(batch) >= BATCH_ROWS:
                self.write(batch)
                batch = []
        if batch:
            self.write(batch)


def _parsed(
    spec: TableSpec,
    source_rows: Iterable[tuple[int, dict[str, Any] | str]],
    home: str,
    report: LoadReport,
    on_progress: ProgressHook | None,
) -> Iterator[tuple[int, FileRow]]:
    for line, values in source_rows:
        report.rows_read += 1
        try:
            if isinstance(values, str):
                raise RowError(values)
            yield line, spec.parse(values, home)
        except RowError as exc:
            report.rejected.append(Rejected(line, str(exc)))
            if on_progress is not None:
                on_progress(1)


def load_file(
    engine: Engine,
    path: Path,
    *,
    home: str,
    table: str | None = None,
    on_progress: ProgressHook | None = None,
) -> LoadReport:
    """Load one registry file (its table named, or recognised by its columns) in one transaction."""
    started = time.monotonic()
    source = open_source(path)
    spec = detect_table(source.columns, table)
    report = LoadReport(spec.name)
    with engine.begin() as connection:
        _Loader(connection, report, on_progress).run(_parsed(spec, rows(source), home, report, on_progress))
        if spec.name in _INDEXED_TABLES:
            refresh_frequencies(connection)
    report.rejected.sort(key=lambda r: r.line)
    report.seconds = time.monotonic() - started
    log.info(
        "registry file loaded",
        table=spec.name,
        format=source.format,
        rows_read=report.rows_read,
        rows_written=report.rows_written,
        rows_rejected=len(report.rejected),
        rows_superseded=report.rows_superseded,
        seconds=round(report.seconds, 3),
    )
    return report


def population_tables(population: Population) -> dict[str, Sequence[FileRow]]:
    """A synthetic population's rows per table, in the order they must be loaded."""
    return {
        "companies": population.companies,
        "taxpayers": population.taxpayers,
        "addresses": population.addresses,
        "returns": population.returns,
        "foreign_accounts": population.declared_accounts,
        "benefits": population.benefits,
        "properties": population.declared_properties,
        "declared_income": population.declared_income,
    }


def load_population(
    engine: Engine, population: Population, on_progress: ProgressHook | None = None
) -> list[LoadReport]:
    """Load a synthetic population straight into the registry (what `registry generate --load` does)."""
    reports = []
    with engine.begin() as connection:
        for name, table_rows in population_tables(population).items():
            report = LoadReport(name, rows_read=len(table_rows))
            _Loader(connection, report, on_progress).run(enumerate(table_rows, start=1))
            reports.append(report)
        refresh_frequencies(connection)
    return reports
