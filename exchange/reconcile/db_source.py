"""The registry in the database as a candidate source: the linkage index (taxpayer_link) joined with
each batch's TINs and blocking keys, a few statements per batch of reported parties.

Nothing of the registry is held in process memory beyond the candidates of the batches at hand, so a
national registry of 12 million people costs what a small one does: each question is an index look-up
whose answer is bounded by the block cap.

Blocking is one join per pass of a batch: the batch's keys go into a temporary table (link_wanted), and
one statement joins it with the index column of each rule, leaving out the keys whose block holds more
taxpayers than the cap (counted in the index, at most cap + 1 entries each, their rows never read). The
statement is plain SQL built from the rules' columns: one part per rule, which SQLAlchemy's Core would
only spell longer. Every row brings the registry counts of its names along (name_frequency), so the
term-frequency weights cost no statement of their own.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from functools import cache
from typing import Any, TypeVar

from sqlalchemy import (
    Column,
    Connection,
    MetaData,
    String,
    Table,
    TextClause,
    and_,
    bindparam,
    func,
    insert,
    select,
    text,
)

from exchange.reconcile.blocking import RULE_BY_NAME, BlockKey
from exchange.reconcile.link_index import PROFILE_COLUMNS, row_profile
from exchange.reconcile.profile import Profile
from exchange.reconcile.sources import FREQUENCY_FIELDS
from exchange.registry.models import TAXPAYER_LINK, NameFrequency, Taxpayer

_CHUNK = 500  # bound parameters per IN list: far below SQLite's and PostgreSQL's limits

T = TypeVar("T")

_LINK = TAXPAYER_LINK.c
_PROFILE = [_LINK[name] for name in PROFILE_COLUMNS] + [_LINK.addresses]

# The keys one pass of a batch looks up; one per connection, emptied before each pass.
_WANTED = Table(
    "link_wanted",
    MetaData(),
    Column("rule_name", String(8), nullable=False),
    Column("block_key", String, nullable=False),
    prefixes=["TEMPORARY"],
)
_CREATE_WANTED = text(
    "CREATE TEMPORARY TABLE IF NOT EXISTS link_wanted "
    "(rule_name VARCHAR(8) NOT NULL, block_key VARCHAR NOT NULL)"
)


def _counted_name(attribute: str) -> str:
    return f"n_{attribute}"


def _frequency_joins(link: str) -> tuple[str, str]:
    """The select list and outer joins that bring the registry count of each name of `link`'s row."""
    columns, joins = [], []
    for field_name, attribute in FREQUENCY_FIELDS.items():
        alias = f"f_{attribute}"
        columns.append(f"{alias}.count AS {_counted_name(attribute)}")
        joins.append(
            f"LEFT JOIN name_frequency {alias} "
            f"ON {alias}.field = '{field_name}' AND {alias}.value = {link}.{attribute}"
        )
    return ", ".join(columns), " ".join(joins)


@cache
def _blocking_statement(rules: tuple[str, ...]) -> TextClause:
    """One part per rule: the wanted keys of that rule joined with its index column, when the key's
    block holds at most :cap taxpayers (the inner count stops at :over = cap + 1)."""
    profile = ", ".join(f"l.{name}" for name in (*PROFILE_COLUMNS, "addresses"))
    counts, joins = _frequency_joins("l")
    parts = []
    for rule in rules:
        column = RULE_BY_NAME[rule].column
        parts.append(
            f"SELECT w.rule_name, w.block_key, {profile}, {counts} FROM link_wanted w "
            f"JOIN taxpayer_link l ON l.{column} = w.block_key {joins} "
            f"WHERE w.rule_name = '{rule}' AND (SELECT count(*) FROM (SELECT 1 FROM taxpayer_link b "
            f"WHERE b.{column} = w.block_key LIMIT :over) AS block) <= :cap"
        )
    return text(" UNION ALL ".join(parts))


def chunked(values: Iterable[T], size: int = _CHUNK) -> Iterator[list[T]]:
    batch: list[T] = []
    for value in values:
        batch.append(value)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def load_profiles(connection: Connection, ids: Collection[int]) -> dict[int, Profile]:
    """Profiles of taxpayers by id, read from the linkage index."""
    found: dict[int, Profile] = {}
    for batch in chunked(sorted(ids)):
        for row in connection.execute(select(*_PROFILE).where(_LINK.taxpayer_id.in_(batch))).mappings():
            found[row["taxpayer_id"]] = row_profile(row)
    return found


_NAME_COUNTS = {
    attribute: (field_name, NameFrequency.__table__.alias(f"f_{attribute}"))
    for field_name, attribute in FREQUENCY_FIELDS.items()
}


def _owners_statement() -> Any:
    """The taxpayers of the national ids :tins of :home, their index rows and the registry counts
    of their names."""
    joined = Taxpayer.__table__.join(TAXPAYER_LINK, _LINK.taxpayer_id == Taxpayer.id)
    counts = []
    for attribute, (field_name, counted) in _NAME_COUNTS.items():
        joined = joined.outerjoin(
            counted, and_(counted.c.field == field_name, counted.c.value == _LINK[attribute])
        )
        counts.append(counted.c["count"].label(_counted_name(attribute)))
    return (
        select(Taxpayer.national_id, *_PROFILE, *counts)
        .select_from(joined)
        .where(
            Taxpayer.country == bindparam("home"), Taxpayer.national_id.in_(bindparam("tins", expanding=True))
        )
    )


_OWNERS = _owners_statement()


class DatabaseSource:
    """Answers the matcher's questions with a few statements per batch of reported parties."""

    def __init__(self, connection: Connection, home: str) -> None:
        self.connection = connection
        self.home = home
        self._size: int | None = None
        self._wanted_ready = False
        # The registry counts of the names on the rows read so far: what the scorer asks next.
        self._counts: dict[tuple[str, str], int] = {}
        self.rows_read = 0  # index rows read for candidates: what the block cap bounds
        self.statements = 0

    def registry_size(self) -> int:
        if self._size is None:
            self.statements += 1
            self._size = self.connection.execute(select(func.count()).select_from(TAXPAYER_LINK)).scalar_one()
        return self._size

    def _profile(self, row: Mapping[Any, Any]) -> Profile:
        """The row's profile, keeping the registry counts of its names that came with it."""
        profile = row_profile(row)
        for field_name, attribute in FREQUENCY_FIELDS.items():
            value = getattr(profile, attribute)
            if value:
                self._counts[(field_name, value)] = row[_counted_name(attribute)] or 0
        return profile

    def owners(self, tins: Collection[str]) -> dict[str, Profile]:
        """The exact-TIN match: the batch's home TINs joined with the registry's national ids, each
        owner's profile read from the linkage index in the same query."""
        found: dict[str, Profile] = {}
        for batch in chunked(sorted(tins)):
            self.statements += 1
            rows = self.connection.execute(_OWNERS, {"home": self.home, "tins": batch})
            for row in rows.mappings().all():
                found[row["national_id"]] = self._profile(row)
        return found

    def _fill_wanted(self, keys: Collection[BlockKey]) -> None:
        if not self._wanted_ready:
            self.statements += 1
            self.connection.execute(_CREATE_WANTED)
            self._wanted_ready = True
        self.statements += 2
        self.connection.execute(_WANTED.delete())
        self.connection.execute(insert(_WANTED), [{"rule_name": r, "block_key": k} for r, k in keys])

    def lookup(self, keys: Collection[BlockKey], max_block_size: int) -> dict[BlockKey, Sequence[Profile]]:
        """The taxpayers under each blocking key; a key shared by more taxpayers than
        `max_block_size` is counted in the index (its rows never read) and left out."""
        if not keys:
            return {}
        self._fill_wanted(keys)
        statement = _blocking_statement(tuple(sorted({rule for rule, _ in keys})))
        self.statements += 1
        rows = self.connection.execute(statement, {"cap": max_block_size, "over": max_block_size + 1})
        found: dict[BlockKey, list[Profile]] = defaultdict(list)
        read: dict[int, Profile] = {}  # a taxpayer under several of the batch's keys is read once
        for row in rows.mappings().all():
            self.rows_read += 1
            profile = read.get(row["taxpayer_id"])
            if profile is None:
                profile = read[row["taxpayer_id"]] = self._profile(row)
            found[(row["rule_name"], row["block_key"])].append(profile)
        return dict(found)

    def frequencies(self, names: Collection[tuple[str, str]]) -> dict[tuple[str, str], int]:
        """How many taxpayers carry each (field, folded name): those of the rows read came with them."""
        counts = {name: self._counts[name] for name in names if name in self._counts}
        by_field: dict[str, list[str]] = defaultdict(list)
        for field_name, value in names:
            if (field_name, value) not in counts:
                counts[(field_name, value)] = 0
                by_field[field_name].append(value)
        for field_name, values in by_field.items():
            for batch in chunked(sorted(values)):
                query = select(NameFrequency.value, NameFrequency.count).where(
                    NameFrequency.field == field_name, NameFrequency.value.in_(batch)
                )
                self.statements += 1
                for value, count in self.connection.execute(query):
                    counts[(field_name, value)] = count
        return counts
