"""The registry in the database as a candidate source: blocking keys by index, profiles on demand."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from typing import TypeVar

from sqlalchemy import Connection, func, select

from exchange.reconcile.blocking import BlockKey
from exchange.reconcile.profile import AddressKey, Profile, address_key, taxpayer_profile
from exchange.registry.models import Taxpayer, TaxpayerAddress, TaxpayerBlockKey

_CHUNK = 500  # bound parameters per IN list: far below SQLite's and PostgreSQL's limits
_CACHED_PROFILES = 100_000  # a large file's candidates must not pile up in memory

T = TypeVar("T")


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
    """Profiles of taxpayers by id, each with its residence history (current address first)."""
    histories: dict[int, list[AddressKey]] = defaultdict(list)
    found: dict[int, Profile] = {}
    for batch in chunked(sorted(ids)):
        addresses = connection.execute(
            select(TaxpayerAddress)
            .where(TaxpayerAddress.taxpayer_id.in_(batch))
            .order_by(
                TaxpayerAddress.taxpayer_id,
                TaxpayerAddress.valid_to.is_not(None),
                TaxpayerAddress.valid_from.desc(),
            )
        )
        for a in addresses:
            histories[a.taxpayer_id].append(address_key(a.post_code, a.city, a.street, a.house_number))
        for t in connection.execute(select(Taxpayer).where(Taxpayer.id.in_(batch))):
            found[t.id] = taxpayer_profile(
                t.id,
                t.kind,
                t.national_id,
                given_names=t.given_names,
                family_name=t.family_name,
                organisation_name=t.organisation_name,
                birth=t.birth_date,
                addresses=histories.get(t.id, ()),
            )
    return found


class DatabaseSource:
    """Answers the matcher's questions with a few indexed queries per batch of reported parties."""

    def __init__(self, connection: Connection, home: str) -> None:
        self.connection = connection
        self.home = home
        self._profiles: dict[int, Profile] = {}
        self._size: int | None = None

    def registry_size(self) -> int:
        if self._size is None:
            self._size = self.connection.execute(select(func.count()).select_from(Taxpayer)).scalar_one()
        return self._size

    def owners(self, tins: Collection[str]) -> dict[str, int]:
        found: dict[str, int] = {}
        for batch in chunked(sorted(tins)):
            query = select(Taxpayer.national_id, Taxpayer.id).where(
                Taxpayer.country == self.home, Taxpayer.national_id.in_(batch)
            )
            found.update(
                {national_id: taxpayer_id for national_id, taxpayer_id in self.connection.execute(query)}
            )
        return found

    def lookup(self, keys: Collection[BlockKey], max_block_size: int) -> dict[BlockKey, Sequence[int]]:
        by_rule: dict[str, list[str]] = defaultdict(list)
        for rule, key in keys:
            by_rule[rule].append(key)
        found: dict[BlockKey, list[int]] = defaultdict(list)
        for rule, values in by_rule.items():
            for batch in chunked(sorted(values)):
                query = select(TaxpayerBlockKey.key, TaxpayerBlockKey.taxpayer_id).where(
                    TaxpayerBlockKey.rule == rule, TaxpayerBlockKey.key.in_(batch)
                )
                for key, taxpayer_id in self.connection.execute(query):
                    found[(rule, key)].append(taxpayer_id)
        return {key: ids for key, ids in found.items() if len(ids) <= max_block_size}

    def profiles(self, ids: Collection[int]) -> Mapping[int, Profile]:
        missing = [i for i in ids if i not in self._profiles]
        if missing and len(self._profiles) + len(missing) > _CACHED_PROFILES:
            self._profiles = {i: self._profiles[i] for i in ids if i in self._profiles}
        if missing:
            self._profiles.update(load_profiles(self.connection, missing))
        return self._profiles

    def frequencies(self, keys: Collection[BlockKey]) -> dict[BlockKey, int]:
        counts: dict[BlockKey, int] = dict.fromkeys(keys, 0)
        by_rule: dict[str, list[str]] = defaultdict(list)
        for rule, key in keys:
            by_rule[rule].append(key)
        for rule, values in by_rule.items():
            for batch in chunked(sorted(values)):
                query = (
                    select(TaxpayerBlockKey.key, func.count())
                    .where(TaxpayerBlockKey.rule == rule, TaxpayerBlockKey.key.in_(batch))
                    .group_by(TaxpayerBlockKey.key)
                )
                for key, count in self.connection.execute(query):
                    counts[(rule, key)] = count
        return counts
