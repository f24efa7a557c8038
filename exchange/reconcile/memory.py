"""An in-memory registry built from a synthetic population: for the demo, the tests and the benchmark."""

from __future__ import annotations

from exchange.reconcile.profile import Profile, address_key, taxpayer_profile
from exchange.reconcile.sources import MemoryIndex
from exchange.registry.synthetic.population import Population


def population_profiles(population: Population) -> list[Profile]:
    """One profile per taxpayer; its `ref` is the taxpayer's position in the population, from 1."""
    histories = population.addresses_by_id
    profiles = []
    for ref, taxpayer in enumerate(population.taxpayers, start=1):
        addresses = [
            address_key(a.post_code, a.city, a.street, a.house_number)
            for a in histories.get(taxpayer.national_id, [])
        ]
        profiles.append(
            taxpayer_profile(
                ref,
                taxpayer.kind,
                taxpayer.national_id,
                given_names=taxpayer.given_names,
                family_name=taxpayer.family_name,
                organisation_name=taxpayer.organisation_name,
                birth=taxpayer.birth_date,
                addresses=addresses,
            )
        )
    return profiles


def population_index(population: Population) -> tuple[MemoryIndex, dict[int, str]]:
    """The population as a candidate source, and the national identifier behind each `ref`."""
    index = MemoryIndex(population_profiles(population))
    return index, {ref: t.national_id for ref, t in enumerate(population.taxpayers, start=1)}
