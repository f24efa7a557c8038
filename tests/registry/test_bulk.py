"""Loading a streamed synthetic population fast (COPY on PostgreSQL, executemany on SQLite): the same
registry and linkage index the row-by-row upsert builds, on both engines."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, func, select

from exchange.registry.bulk import bulk_load, registry_size
from exchange.registry.declared_models import DeclaredIncome, DeclaredProperty
from exchange.registry.load import load_population
from exchange.registry.models import (
    TAXPAYER_LINK,
    DeclaredForeignAccount,
    NameFrequency,
    SocialBenefit,
    Taxpayer,
    TaxpayerAddress,
    TaxReturn,
)
from exchange.registry.synthetic.population import generate_population, iter_population


def _link_index(engine: Engine) -> dict[str, dict[str, Any]]:
    """The linkage index by national id (taxpayer ids differ between the two paths)."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(Taxpayer.national_id, TAXPAYER_LINK).join(
                TAXPAYER_LINK, TAXPAYER_LINK.c.taxpayer_id == Taxpayer.id
            )
        ).mappings()
        return {row["national_id"]: {k: v for k, v in row.items() if k != "taxpayer_id"} for row in rows}


def _frequencies(engine: Engine) -> set[tuple[str, str, int]]:
    with engine.connect() as connection:
        query = select(NameFrequency.field, NameFrequency.value, NameFrequency.count)
        return {(f, v, c) for f, v, c in connection.execute(query)}


def _declared_properties(engine: Engine) -> set[tuple[Any, ...]]:
    with engine.connect() as connection:
        query = select(
            DeclaredProperty.tax_year,
            DeclaredProperty.line,
            DeclaredProperty.rental_income,
            DeclaredProperty.land_key,
            DeclaredProperty.address_key,
        )
        return {tuple(row) for row in connection.execute(query)}


def _count(engine: Engine, model: Any) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(model)).scalar_one())


def test_a_streamed_population_is_the_same_population() -> None:
    whole = generate_population(700, seed=3)  # one chunk: a small population is what it was
    chunks = list(iter_population(700, seed=3, chunk=250))
    assert [len(c.taxpayers) for c in chunks] == [250, 250, 200]
    ids = [t.national_id for c in chunks for t in c.taxpayers]
    assert len(set(ids)) == len(ids)  # numbers stay unique across chunks
    assert len(whole.taxpayers) == 700
    small = generate_population(200, seed=3)
    assert next(iter(iter_population(200, seed=3))).taxpayers == small.taxpayers


def test_the_fast_path_builds_what_the_upsert_builds(db_engine: Engine) -> None:
    chunks = list(iter_population(600, seed=11, chunk=200))
    report = bulk_load(db_engine, chunks)
    assert report.fast_path and report.taxpayers == 600 == registry_size(db_engine)
    assert _count(db_engine, Taxpayer) == report.rows["taxpayer"] == 600
    assert _count(db_engine, TaxpayerAddress) == sum(len(c.addresses) for c in chunks)
    assert _count(db_engine, TaxReturn) == sum(len(c.returns) for c in chunks)
    assert _count(db_engine, DeclaredForeignAccount) == sum(len(c.declared_accounts) for c in chunks)
    assert _count(db_engine, SocialBenefit) == sum(len(c.benefits) for c in chunks)
    assert _count(db_engine, DeclaredProperty) == sum(len(c.declared_properties) for c in chunks) > 0
    assert _count(db_engine, DeclaredIncome) == sum(len(c.declared_income) for c in chunks) > 0
    fast_index, fast_frequencies = _link_index(db_engine), _frequencies(db_engine)
    fast_properties = _declared_properties(db_engine)
    assert len(fast_index) == 600 and fast_frequencies

    # The upsert path over the same rows rewrites each taxpayer's index row: nothing may change.
    for chunk in chunks:
        assert all(not r.rejected for r in load_population(db_engine, chunk))
    assert _link_index(db_engine) == fast_index
    assert _frequencies(db_engine) == fast_frequencies
    assert _declared_properties(db_engine) == fast_properties  # the same match keys on both paths


def test_a_registry_that_holds_taxpayers_takes_the_upsert_path(db_engine: Engine) -> None:
    assert bulk_load(db_engine, iter_population(300, seed=2, chunk=100)).fast_path
    report = bulk_load(db_engine, iter_population(100, seed=1))
    assert not report.fast_path
    # The new taxpayers got ids of their own: the fast path moved the id sequence past its rows.
    assert _count(db_engine, Taxpayer) == 400 == registry_size(db_engine)
