"""Writing registry rows: idempotent upserts keyed as the source systems key them, on SQLite and
PostgreSQL alike, and the blocking keys of every taxpayer whose names or addresses changed."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Table, delete, insert, select
from sqlalchemy.dialects import postgresql, sqlite

from exchange.reconcile.blocking import registry_keys
from exchange.reconcile.db_source import chunked, load_profiles
from exchange.registry.data import (
    AddressData,
    BenefitData,
    DeclaredAccountData,
    RegistryRow,
    TaxpayerData,
    TaxReturnData,
)
from exchange.registry.identifiers import identify
from exchange.registry.models import (
    DeclaredForeignAccount,
    SocialBenefit,
    Taxpayer,
    TaxpayerAddress,
    TaxpayerBlockKey,
    TaxReturn,
)

Reference = tuple[str, str]  # (issuing country, national id)


@dataclass(frozen=True, slots=True)
class Rejected:
    line: int
    reason: str


def _upsert(connection: Connection, table: Table, rows: list[dict[str, Any]], keys: list[str]) -> None:
    if not rows:
        return
    dialect_insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
    statement = dialect_insert(table).values(rows)
    updates = {name: statement.excluded[name] for name in rows[0] if name not in keys}
    if updates:
        statement = statement.on_conflict_do_update(index_elements=keys, set_=updates)
    else:
        statement = statement.on_conflict_do_nothing(index_elements=keys)
    connection.execute(statement)


def taxpayer_ids(connection: Connection, references: Iterable[Reference]) -> dict[Reference, int]:
    by_country: dict[str, list[str]] = {}
    for country, national_id in set(references):
        by_country.setdefault(country, []).append(national_id)
    found: dict[Reference, int] = {}
    for country, numbers in by_country.items():
        for batch in chunked(sorted(numbers)):
            query = select(Taxpayer.national_id, Taxpayer.id).where(
                Taxpayer.country == country, Taxpayer.national_id.in_(batch)
            )
            found.update({(country, n): i for n, i in connection.execute(query)})
    return found


def refresh_block_keys(connection: Connection, ids: Sequence[int]) -> None:
    """Replace the blocking keys of these taxpayers with those of their current names and addresses."""
    profiles = load_profiles(connection, ids)
    key_table: Table = TaxpayerBlockKey.__table__  # type: ignore[assignment]
    for batch in chunked(ids):
        connection.execute(delete(key_table).where(key_table.c.taxpayer_id.in_(batch)))
    keys: list[dict[str, object]] = [
        {"rule": rule, "key": key, "taxpayer_id": taxpayer_id}
        for taxpayer_id, profile in profiles.items()
        for rule, key in sorted(registry_keys(profile))
    ]
    for rows in chunked(keys, 2000):
        connection.execute(insert(key_table), rows)


def upsert_taxpayers(connection: Connection, rows: Sequence[TaxpayerData]) -> list[int]:
    now = datetime.now(UTC)
    values = [
        {
            "country": r.id_country,
            "national_id": r.national_id,
            "id_type": identify(r.id_country, r.national_id, r.kind).id_type.value,
            "kind": r.kind.value,
            "given_names": r.given_names,
            "family_name": r.family_name,
            "organisation_name": r.organisation_name,
            "birth_date": r.birth_date,
            "updated_at": now,
        }
        for r in rows
    ]
    _upsert(connection, Taxpayer.__table__, values, ["country", "national_id"])  # type: ignore[arg-type]
    ids = taxpayer_ids(connection, ((r.id_country, r.national_id) for r in rows))
    changed = sorted(ids.values())
    refresh_block_keys(connection, changed)
    return changed


# A dependent row's table and its key columns. Its other fields are its columns, by name, except the
# taxpayer's identity (national_id, id_country), which the row's taxpayer_id stands for.
_DEPENDENTS: dict[type, tuple[Table, list[str]]] = {
    AddressData: (TaxpayerAddress.__table__, ["taxpayer_id", "valid_from"]),  # type: ignore[dict-item]
    TaxReturnData: (TaxReturn.__table__, ["taxpayer_id", "tax_year"]),  # type: ignore[dict-item]
    DeclaredAccountData: (
        DeclaredForeignAccount.__table__,  # type: ignore[dict-item]
        ["taxpayer_id", "tax_year", "country_code", "institution"],
    ),
    BenefitData: (SocialBenefit.__table__, ["taxpayer_id", "year", "kind"]),  # type: ignore[dict-item]
}
_IDENTITY = frozenset({"national_id", "id_country"})


def _dependent_values(row: RegistryRow, taxpayer_id: int) -> tuple[Table, list[str], dict[str, Any]]:
    """The table, its key columns, and the row's values for a row that belongs to a taxpayer."""
    found = _DEPENDENTS.get(type(row))
    if found is None:
        raise TypeError(f"not a dependent registry row: {type(row).__name__}")
    table, keys = found
    values = {item.name: getattr(row, item.name) for item in fields(row) if item.name not in _IDENTITY}
    return table, keys, {"taxpayer_id": taxpayer_id, **values}


def _returns_present(connection: Connection, pairs: set[tuple[int, int]]) -> set[tuple[int, int]]:
    present: set[tuple[int, int]] = set()
    for batch in chunked(sorted({taxpayer for taxpayer, _ in pairs})):
        query = select(TaxReturn.taxpayer_id, TaxReturn.tax_year).where(TaxReturn.taxpayer_id.in_(batch))
        present.update((t, y) for t, y in connection.execute(query))
    return present & pairs


def upsert_dependents(
    connection: Connection, rows: Sequence[tuple[int, RegistryRow]], reject: Callable[[Rejected], None]
) -> int:
    """Upsert rows that belong to a taxpayer; rows whose taxpayer (or return) is unknown are rejected.
    Returns how many rows were written."""
    ids = taxpayer_ids(connection, ((r.id_country, r.national_id) for _, r in rows))
    resolved: list[tuple[int, int, RegistryRow]] = []
    for line, row in rows:
        taxpayer_id = ids.get((row.id_country, row.national_id))
        if taxpayer_id is None:
            reject(Rejected(line, "no taxpayer with this national_id (load the taxpayers first)"))
        else:
            resolved.append((line, taxpayer_id, row))
    accounts = {(t, r.tax_year) for _, t, r in resolved if isinstance(r, DeclaredAccountData)}
    if accounts:
        present = _returns_present(connection, accounts)
        kept = []
        for line, taxpayer_id, row in resolved:
            if isinstance(row, DeclaredAccountData) and (taxpayer_id, row.tax_year) not in present:
                reject(Rejected(line, "no tax return of this taxpayer for tax_year (load the returns first)"))
            else:
                kept.append((line, taxpayer_id, row))
        resolved = kept
    by_table: dict[str, tuple[Table, list[str], list[dict[str, Any]]]] = {}
    for _, taxpayer_id, row in resolved:
        table, keys, values = _dependent_values(row, taxpayer_id)
        by_table.setdefault(table.name, (table, keys, []))[2].append(values)
    for table, keys, table_rows in by_table.values():
        _upsert(connection, table, table_rows, keys)
    addresses_of = sorted({t for _, t, r in resolved if isinstance(r, AddressData)})
    if addresses_of:
        refresh_block_keys(connection, addresses_of)  # post codes are part of some keys
    return len(resolved)
