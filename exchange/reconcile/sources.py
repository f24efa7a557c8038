"""Where candidates come from: the protocol the matcher needs of a registry, and an in-memory registry.

The in-memory index serves the benchmarks and the synthetic demo; the database source (exchange.
reconcile.db_source) serves the product. Both hold the same keys, so they find the same candidates.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Protocol

from exchange.reconcile.blocking import FREQUENCY_RULES, BlockKey, registry_keys
from exchange.reconcile.profile import Profile


class CandidateSource(Protocol):
    def registry_size(self) -> int: ...

    def owners(self, tins: Collection[str]) -> dict[str, int]:
        """Taxpayer id per home national identifier, for those that exist."""
        ...

    def lookup(self, keys: Collection[BlockKey], max_block_size: int) -> dict[BlockKey, Sequence[int]]:
        """Taxpayer ids per blocking key; keys shared by more than `max_block_size` are left out."""
        ...

    def profiles(self, ids: Collection[int]) -> Mapping[int, Profile]: ...

    def frequencies(self, keys: Collection[BlockKey]) -> dict[BlockKey, int]:
        """How many taxpayers carry each name-frequency key (rules of blocking.FREQUENCY_RULES)."""
        ...


def _joined(key: BlockKey) -> str:
    return f"{key[0]}:{key[1]}"


class MemoryIndex:
    """A registry held in memory: profiles by id, and id lists by blocking key."""

    def __init__(self, profiles: Iterable[Profile]) -> None:
        self._profiles: dict[int, Profile] = {}
        self._owners: dict[str, int] = {}
        self._blocks: dict[str, list[int]] = {}
        self._frequencies: Counter[str] = Counter()
        for profile in profiles:
            self.add(profile)

    def add(self, profile: Profile) -> None:
        self._profiles[profile.ref] = profile
        for tin in profile.tins:
            self._owners[tin] = profile.ref
        blocks = self._blocks
        for key in registry_keys(profile):
            if key[0] in FREQUENCY_RULES:
                self._frequencies[_joined(key)] += 1
                continue
            joined = _joined(key)
            ids = blocks.get(joined)
            if ids is None:
                blocks[joined] = [profile.ref]
            else:
                ids.append(profile.ref)

    def registry_size(self) -> int:
        return len(self._profiles)

    def owners(self, tins: Collection[str]) -> dict[str, int]:
        return {tin: self._owners[tin] for tin in tins if tin in self._owners}

    def lookup(self, keys: Collection[BlockKey], max_block_size: int) -> dict[BlockKey, Sequence[int]]:
        found: dict[BlockKey, Sequence[int]] = {}
        for key in keys:
            ids = self._blocks.get(_joined(key))
            if ids is not None and len(ids) <= max_block_size:
                found[key] = ids
        return found

    def profiles(self, ids: Collection[int]) -> Mapping[int, Profile]:
        return self._profiles

    def frequencies(self, keys: Collection[BlockKey]) -> dict[BlockKey, int]:
        return {key: self._frequencies[_joined(key)] for key in keys}
