"""The registry in the database as a candidate source: the linkage index (taxpayer_link) joined with
each batch's TINs and blocking keys, a few indexed queries per batch of reported parties.

Nothing of the registry is held in process memory beyond the candidates of the batches at hand, so a
national registry of 12 million people costs what a small one does: each question is an index look-up
whose answer is bounded by the block cap.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Sequence
from typing import TypeVar

from sqlalchemy import Connection, func, select

from exchange.reconcile.blocking import BlockKey
from exchange.reconcile.link_index import PROFILE_COLUMNS, row_profile
from exchange.reconcile.profile import Profile
from exchange.registry.models import TAXPAYER_LINK, NameFrequency, Taxpayer

_CHUNK = 500  # bound parameters per IN list: far below SQLite's and PostgreSQL's limits

T = TypeVar("T")

_LINK = TAXPAYER_LINK.c
_PROFILE = [_LINK[name] for name in PROFILE_COLUMNS] + [_LINK.addresses]


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


class DatabaseSource:
    """Answers the matcher's questions with a few indexed queries per batch of reported parties."""

    def __init__(self, connection: Connection, home: str) -> None:
        self.connection = connection
        self.home = home
        self._size: int | None = None
        self.rows_read = 0  # index rows read for candidates: what the block cap bounds
        self.statements = 0

    def registry_size(self) -> int:
        if self._size is None:
            self.statements += 1
            self._size = self.connection.execute(select(func.count()).select_from(TAXPAYER_LINK)).scalar_one()
        return self._size

    def owners(self, tins: Collection[str]) -> dict[str, Profile]:
        """The exact-TIN match: the batch's home TINs joined with the registry's national ids, each
        owner's profile read from the linkage index in the same query."""
        found: dict[str, Profile] = {}
        for batch in chunked(sorted(tins)):
            query = (
                select(Taxpayer.national_id, *_PROFILE)
                .join(TAXPAYER_LINK, _LINK.taxpayer_id == Taxpayer.id)
                .where(Taxpayer.country == self.home, Taxpayer.national_id.in_(batch))
            )
            self.statements += 1
            for row in self.connection.execute(query).mappings():
                found[row["national_id"]] = row_profile(row)
        return found

    def lookup(self, keys: Collection[BlockKey], max_block_size: int) -> dict[BlockKey, Sequence[Profile]]:
        """The taxpayers under each blocking key; a key shared by more taxpayers than
        `max_block_size` is counted in the index (its rows never read) and left out."""
        by_rule: dict[str, list[str]] = defaultdict(list)
        for rule, key in keys:
            by_rule[rule].append(key)
        found: dict[BlockKey, list[Profile]] = defaultdict(list)
        for rule, values in by_rule.items():
            column = _LINK[f"k_{rule}"]
            for batch in chunked(sorted(values)):
                sizes = select(column, func.count()).where(column.in_(batch)).group_by(column)
                self.statements += 1
                small = [key for key, size in self.connection.execute(sizes) if size <= max_block_size]
                if not small:
                    continue
                self.statements += 1
                rows = self.connection.execute(select(column, *_PROFILE).where(column.in_(small)))
                for row in rows.mappings():
                    self.rows_read += 1
                    found[(rule, row[column.name])].append(row_profile(row))
        return dict(found)

    def frequencies(self, names: Collection[tuple[str, str]]) -> dict[tuple[str, str], int]:
        """How many taxpayers carry each (field, folded name)."""
        counts: dict[tuple[str, str], int] = dict.fromkeys(names, 0)
        by_field: dict[str, list[str]] = defaultdict(list)
        for field_name, value in names:
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
