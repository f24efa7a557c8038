"""Where candidates come from: the protocol the matcher needs of a registry, and an in-memory registry.

The in-memory index serves the tests and small benchmarks (FEBRL4); the database source (exchange.
reconcile.db_source) serves the product. Both hold the same keys, so they find the same candidates.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from typing import Protocol

from exchange.reconcile.blocking import BlockKey, registry_keys
from exchange.reconcile.profile import Profile

# The names whose registry frequency weighs an exact agreement (exchange.reconcile.scoring).
FREQUENCY_FIELDS = {"given_name": "given", "family_name": "family", "organisation_name": "organisation"}


def frequency_names(profile: Profile) -> list[tuple[str, str]]:
    """The (field, folded name) pairs a registry profile counts for."""
    return [
        (field_name, value)
        for field_name, attribute in FREQUENCY_FIELDS.items()
        if (value := getattr(profile, attribute))
    ]


class CandidateSource(Protocol):
    def registry_size(self) -> int: ...

    def owners(self, tins: Collection[str]) -> dict[str, Profile]:
        """The registry profile per home national identifier, for those that exist."""
        ...

    def lookup(self, keys: Collection[BlockKey], max_block_size: int) -> dict[BlockKey, Sequence[Profile]]:
        """The taxpayers per blocking key; keys shared by more than `max_block_size` are left out."""
        ...

    def frequencies(self, names: Collection[tuple[str, str]]) -> dict[tuple[str, str], int]:
        """How many taxpayers carry each (field, folded name) of FREQUENCY_FIELDS."""
        ...


class MemoryIndex:
    """A registry held in memory: profiles by TIN, and profile lists by blocking key."""

    def __init__(self, profiles: Iterable[Profile]) -> None:
        self._size = 0
        self._owners: dict[str, Profile] = {}
        self._blocks: dict[BlockKey, list[Profile]] = {}
        self._frequencies: Counter[tuple[str, str]] = Counter()
        for profile in profiles:
            self.add(profile)

    def add(self, profile: Profile) -> None:
        self._size += 1
        for tin in profile.tins:
            self._owners[tin] = profile
        for rule, key in registry_keys(profile).items():
            self._blocks.setdefault((rule, key), []).append(profile)
        self._frequencies.update(frequency_names(profile))

    def registry_size(self) -> int:
        return self._size

    def owners(self, tins: Collection[str]) -> dict[str, Profile]:
        return {tin: self._owners[tin] for tin in tins if tin in self._owners}

    def lookup(self, keys: Collection[BlockKey], max_block_size: int) -> dict[BlockKey, Sequence[Profile]]:
        found: dict[BlockKey, Sequence[Profile]] = {}
        for key in keys:
            profiles = self._blocks.get(key)
            if profiles is not None and len(profiles) <= max_block_size:
                found[key] = profiles
        return found

    def frequencies(self, names: Collection[tuple[str, str]]) -> dict[tuple[str, str], int]:
        return {name: self._frequencies[name] for name in names}
