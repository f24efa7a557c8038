"""The flags page's queries on the flag tests' world, on SQLite and PostgreSQL: a page found by its ids
first (the late row look-up) is the same slice of the same order as the whole list, for every sort and
direction; the facet counts summed from one grouped query are each value's count among the flags."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import text

from exchange import db
from exchange.anomalies.queries import FACETS, SORTS, FlagQuery, flag_facet_counts, iter_flags
from exchange.console import create_app
from exchange.settings import Settings
from tests.console.conftest import Store


@pytest.mark.parametrize("descending", [True, False])
@pytest.mark.parametrize("sort", sorted(SORTS))
def test_pages_are_slices_of_the_whole_order(store: Store, sort: str, descending: bool) -> None:
    query = FlagQuery(state="all", sort=sort, descending=descending)
    with store.engine.connect() as connection:
        whole = list(iter_flags(connection, query))
        assert len(whole) > 4, "the world has too few flags to page"
        paged = []
        for offset in range(0, len(whole), 3):
            paged += list(iter_flags(connection, replace(query, limit=3, offset=offset)))
    assert paged == whole


@pytest.mark.parametrize(
    "query",
    [FlagQuery(), FlagQuery(state="all"), FlagQuery(senders=("LU",)), FlagQuery(severities=("high",))],
    ids=["raised", "all", "sender", "severity"],
)
def test_facet_counts_are_the_counts_of_the_selected_flags(store: Store, query: FlagQuery) -> None:
    with store.engine.connect() as connection:
        selected = list(iter_flags(connection, query))
        counted = flag_facet_counts(connection, query)
    assert counted.total == len(selected)
    for facet in FACETS:
        expected = Counter(flag[facet] for flag in selected)
        assert dict(counted.facets[facet]) == dict(expected), facet
        counts = [count for _, count in counted.facets[facet]]
        assert counts == sorted(counts, reverse=True), f"{facet}: most first"


def test_a_facet_shows_at_most_its_limit_of_values(store: Store) -> None:
    with store.engine.connect() as connection:
        counted = flag_facet_counts(connection, FlagQuery(state="all"), limit=1)
    assert all(len(values) <= 1 for values in counted.facets.values())


def test_the_consoles_sqlite_connections_read_through_a_memory_map(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    engine = db.create_db_engine(url)
    try:
        db.upgrade(engine)
        with engine.connect() as pooled:  # opened before the console: pooled, then taken again
            pooled.execute(text("SELECT 1"))
        create_app(Settings(data_dir=tmp_path, database_url=url), engine)
        with engine.connect() as connection:
            pragmas = [
                connection.execute(text(f"PRAGMA {name}")).scalar() for name in ("mmap_size", "cache_size")
            ]
    finally:
        engine.dispose()
    assert pragmas == [268_435_456, -32_768]
