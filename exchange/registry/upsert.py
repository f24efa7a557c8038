"""Writing registry rows: idempotent upserts keyed as the source systems key them, on SQLite and
PostgreSQL alike, and the linkage index rows of every taxpayer whose names or addresses changed."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from operator import attrgetter
from typing import Any

from sqlalchemy import Connection, Table, delete, func, insert, literal, select
from sqlalchemy.dialects import postgresql, sqlite

from exchange.reconcile.db_source import chunked
from exchange.reconcile.link_index import link_row
from exchange.reconcile.profile import AddressKey, Profile, address_key, taxpayer_profile
from exchange.reconcile.property_keys import property_keys
from exchange.reconcile.sources import FREQUENCY_FIELDS
from exchange.records import PartyKind
from exchange.registry.data import (
    AddressData,
    BenefitData,
    DeclaredAccountData,
    DeclaredIncomeData,
    DeclaredPropertyData,
    RegistryRow,
    ReturnRow,
    TaxpayerData,
    TaxReturnData,
)
from exchange.registry.declared_models import DeclaredIncome, DeclaredProperty
from exchange.registry.identifiers import identify
from exchange.registry.models import (
    TAXPAYER_LINK,
    DeclaredForeignAccount,
    NameFrequency,
    SocialBenefit,
    Taxpayer,
    TaxpayerAddress,
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


def registry_profiles(connection: Connection, ids: Sequence[int]) -> dict[int, Profile]:
    """Profiles of taxpayers from the registry's own tables, each with its residence history
    (current address first): what the linkage index is built from."""
    histories: dict[int, list[AddressKey]] = defaultdict(list)
    found: dict[int, Profile] = {}
    taxpayer: Table = Taxpayer.__table__  # type: ignore[assignment]
    a = TaxpayerAddress.__table__.c
    for batch in chunked(sorted(ids)):
        addresses = connection.execute(
            select(a.taxpayer_id, a.post_code, a.city, a.street, a.house_number)
            .where(a.taxpayer_id.in_(batch))
            .order_by(a.taxpayer_id, a.valid_to.is_not(None), a.valid_from.desc())
        )
        for taxpayer_id, post_code, city, street, number in addresses:
            histories[taxpayer_id].append(address_key(post_code, city, street, number))
        for t in connection.execute(select(taxpayer).where(taxpayer.c.id.in_(batch))):
            found[t.id] = taxpayer_profile(
                t.id,
                PartyKind(t.kind),
                t.national_id,
                given_names=t.given_names,
                family_name=t.family_name,
                organisation_name=t.organisation_name,
                birth=t.birth_date,
                addresses=histories.get(t.id, ()),
            )
    return found


def refresh_link_index(connection: Connection, ids: Sequence[int]) -> None:
    """Replace the linkage index rows of these taxpayers with those of their current names and
    addresses (the name frequencies follow at the end of the load: refresh_frequencies)."""
    profiles = registry_profiles(connection, ids)
    for batch in chunked(ids):
        connection.execute(delete(TAXPAYER_LINK).where(TAXPAYER_LINK.c.taxpayer_id.in_(batch)))
    rows = [link_row(profile) for profile in profiles.values()]
    for part in chunked(rows, 2000):
        connection.execute(insert(TAXPAYER_LINK), part)


def refresh_frequencies(connection: Connection) -> None:
    """Count every folded name of the linkage index again (after a load changed the registry)."""
    table: Table = NameFrequency.__table__  # type: ignore[assignment]
    connection.execute(delete(table))
    link = TAXPAYER_LINK.c
    for field_name, attribute in FREQUENCY_FIELDS.items():
        column = link[attribute]
        counted = select(literal(field_name), column, func.count()).where(column != "").group_by(column)
        connection.execute(insert(table).from_select(["field", "value", "count"], counted))


def taxpayer_values(row: TaxpayerData, now: datetime) -> dict[str, Any]:
    """A taxpayer's columns (without its id), as the upsert and the bulk path write them."""
    return {
        "country": row.id_country,
        "national_id": row.national_id,
        "id_type": identify(row.id_country, row.national_id, row.kind).id_type.value,
        "kind": row.kind.value,
        "given_names": row.given_names,
        "family_name": row.family_name,
        "organisation_name": row.organisation_name,
        "birth_date": row.birth_date,
        "updated_at": now,
    }


def upsert_taxpayers(connection: Connection, rows: Sequence[TaxpayerData]) -> list[int]:
    now = datetime.now(UTC)
    values = [taxpayer_values(r, now) for r in rows]
    _upsert(connection, Taxpayer.__table__, values, ["country", "national_id"])  # type: ignore[arg-type]
    ids = taxpayer_ids(connection, ((r.id_country, r.national_id) for r in rows))
    changed = sorted(ids.values())
    refresh_link_index(connection, changed)
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
    DeclaredPropertyData: (
        DeclaredProperty.__table__,  # type: ignore[dict-item]
        ["taxpayer_id", "tax_year", "line"],
    ),
    DeclaredIncomeData: (
        DeclaredIncome.__table__,  # type: ignore[dict-item]
        ["taxpayer_id", "tax_year", "kind"],
    ),
}
_IDENTITY = frozenset({"national_id", "id_country"})
_COLUMNS = {kind: tuple(f.name for f in fields(kind) if f.name not in _IDENTITY) for kind in _DEPENDENTS}
# Read once per row type: the bulk path builds millions of these.
_READERS = {kind: attrgetter(*names) for kind, names in _COLUMNS.items()}


def dependent_values(row: RegistryRow, taxpayer_id: int) -> tuple[Table, list[str], dict[str, Any]]:
    """The table, its key columns, and the row's values for a row that belongs to a taxpayer (what the
    upsert and the bulk path write)."""
    found = _DEPENDENTS.get(type(row))
    if found is None:
        raise TypeError(f"not a dependent registry row: {type(row).__name__}")
    table, keys = found
    values: dict[str, Any] = {"taxpayer_id": taxpayer_id}
    values.update(zip(_COLUMNS[type(row)], _READERS[type(row)](row), strict=True))
    if isinstance(row, DeclaredPropertyData):
        values |= property_keys(row)
    return table, keys, values


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
    declared = {(t, r.tax_year) for _, t, r in resolved if isinstance(r, ReturnRow)}
    if declared:
        present = _returns_present(connection, declared)
        kept = []
        for line, taxpayer_id, row in resolved:
            if isinstance(row, ReturnRow) and (taxpayer_id, row.tax_year) not in present:
                reject(Rejected(line, "no tax return of this taxpayer for tax_year (load the returns first)"))
            else:
                kept.append((line, taxpayer_id, row))
        resolved = kept
    by_table: dict[str, tuple[Table, list[str], list[dict[str, Any]]]] = {}
    for _, taxpayer_id, row in resolved:
        table, keys, values = dependent_values(row, taxpayer_id)
        by_table.setdefault(table.name, (table, keys, []))[2].append(values)
    for table, keys, table_rows in by_table.values():
        _upsert(connection, table, table_rows, keys)
    addresses_of = sorted({t for _, t, r in resolved if isinstance(r, AddressData)})
    if addresses_of:
        refresh_link_index(connection, addresses_of)  # addresses are compared, post codes keyed
    return len(resolved)
