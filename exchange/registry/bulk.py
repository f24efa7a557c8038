"""Loading a national registry fast: a synthetic population streamed chunk by chunk into an empty
registry, COPY on PostgreSQL and executemany on SQLite, the linkage index written beside the rows and
its key indexes built once at the end.

A registry that already holds taxpayers takes the upsert path of `load_population` instead, chunk by
chunk: the fast path writes keys of its own and needs the tables to itself.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, Table, func, insert, select, text

from exchange.logs import get_logger
from exchange.reconcile.link_index import link_row
from exchange.reconcile.profile import address_key, taxpayer_profile
from exchange.registry.companies import upsert_companies
from exchange.registry.data import RegistryRow
from exchange.registry.declared_models import DeclaredIncome, DeclaredProperty
from exchange.registry.load import load_population
from exchange.registry.models import (
    TAXPAYER_LINK,
    DeclaredForeignAccount,
    SocialBenefit,
    Taxpayer,
    TaxpayerAddress,
    TaxReturn,
)
from exchange.registry.synthetic.population import Population
from exchange.registry.upsert import dependent_values, refresh_frequencies, taxpayer_values
from exchange.store.bulk import CopyWriter

log = get_logger(__name__)

ProgressHook = Callable[[int], None]


def _table(model: Any) -> Table:
    table: Table = model.__table__
    return table


_TABLES = {
    "taxpayer": _table(Taxpayer),
    "taxpayer_address": _table(TaxpayerAddress),
    "tax_return": _table(TaxReturn),
    "declared_foreign_account": _table(DeclaredForeignAccount),
    "social_benefit": _table(SocialBenefit),
    "declared_property": _table(DeclaredProperty),
    "declared_income": _table(DeclaredIncome),
    "taxpayer_link": TAXPAYER_LINK,
}


@dataclass
class BulkReport:
    taxpayers: int = 0
    rows: dict[str, int] = field(default_factory=lambda: dict.fromkeys(_TABLES, 0))
    fast_path: bool = True
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "taxpayers": self.taxpayers,
            "rows": self.rows,
            "fast_path": self.fast_path,
            "seconds": round(self.seconds, 3),
        }


def _chunk_rows(population: Population, first_id: int, now: datetime) -> dict[str, list[dict[str, Any]]]:
    """Every row of a chunk, keyed by table, with taxpayer ids counted on from `first_id`."""
    ids = {t.national_id: first_id + i for i, t in enumerate(population.taxpayers)}
    histories = population.addresses_by_id
    rows: dict[str, list[dict[str, Any]]] = {name: [] for name in _TABLES}
    for t in population.taxpayers:
        taxpayer_id = ids[t.national_id]
        rows["taxpayer"].append({"id": taxpayer_id, **taxpayer_values(t, now)})
        history = histories.get(t.national_id, [])
        profile = taxpayer_profile(
            taxpayer_id,
            t.kind,
            t.national_id,
            given_names=t.given_names,
            family_name=t.family_name,
            organisation_name=t.organisation_name,
            birth=t.birth_date,
            addresses=[address_key(a.post_code, a.city, a.street, a.house_number) for a in history],
        )
        rows["taxpayer_link"].append(link_row(profile))
    dependents: tuple[Sequence[RegistryRow], ...] = (
        population.addresses,
        population.returns,
        population.declared_accounts,
        population.benefits,
        population.declared_properties,
        population.declared_income,
    )
    for table_rows in dependents:
        for row in table_rows:
            table, _, values = dependent_values(row, ids[row.national_id])
            rows[table.name].append(values)
    return rows


def _write(connection: Connection, name: str, rows: Sequence[dict[str, Any]]) -> None:
    if not rows:
        return
    table = _TABLES[name]
    if connection.dialect.name == "postgresql":
        columns = list(rows[0])
        CopyWriter(connection).insert(name, columns, [tuple(row[c] for c in columns) for row in rows])
    else:
        connection.execute(insert(table), rows)  # one executemany, types applied by SQLAlchemy


def _registry_empty(connection: Connection) -> bool:
    return connection.execute(select(Taxpayer.id).limit(1)).first() is None


def bulk_load(
    engine: Engine, chunks: Iterable[Population], on_progress: ProgressHook | None = None
) -> BulkReport:
    """Load a streamed population in one transaction: the fast path into an empty registry, the
    upsert path into one that holds taxpayers already."""
    started = time.monotonic()
    report = BulkReport()
    with engine.begin() as connection:
        if not _registry_empty(connection):
            report.fast_path = False
    if not report.fast_path:
        for chunk in chunks:
            for loaded in load_population(engine, chunk):
                report.rows[loaded.table] = report.rows.get(loaded.table, 0) + loaded.rows_written
            report.taxpayers += len(chunk.taxpayers)
            if on_progress is not None:
                on_progress(len(chunk.taxpayers))
        report.seconds = time.monotonic() - started
        return report
    with engine.begin() as connection:
        # Key indexes are built once over the whole index rather than kept up row by row.
        indexes = list(TAXPAYER_LINK.indexes)
        for index in indexes:
            index.drop(connection)
        now = datetime.now(UTC)
        next_id = 1
        for chunk in chunks:
            for name, rows in _chunk_rows(chunk, next_id, now).items():
                _write(connection, name, rows)
                report.rows[name] += len(rows)
            written = upsert_companies(connection, chunk.companies)  # a few per hundred taxpayers
            report.rows["company"] = report.rows.get("company", 0) + written
            next_id += len(chunk.taxpayers)
            report.taxpayers += len(chunk.taxpayers)
            if on_progress is not None:
                on_progress(len(chunk.taxpayers))
        log.info("registry rows written; building the linkage index", taxpayers=report.taxpayers)
        if connection.dialect.name == "postgresql":
            # Sorting 12 million keys in memory instead of on disk; for this transaction only.
            connection.execute(text("SET LOCAL maintenance_work_mem = '512MB'"))
        for index in indexes:
            index.create(connection)
        if connection.dialect.name == "postgresql" and report.taxpayers:
            connection.execute(
                text("SELECT setval(pg_get_serial_sequence('taxpayer', 'id'), :last)"), {"last": next_id - 1}
            )
        refresh_frequencies(connection)
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            connection.execute(text("ANALYZE taxpayer, taxpayer_link, name_frequency, taxpayer_address"))
            connection.commit()
    report.seconds = time.monotonic() - started
    log.info("registry loaded", **report.to_dict())
    return report


def registry_size(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(TAXPAYER_LINK)).scalar_one())
