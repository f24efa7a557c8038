"""Scoring a pair of profiles under a linkage model: levels, match weight, and the explanation.

Scoring runs for every candidate pair, so it computes level numbers and a sum of precomputed weights
only; the readable explanation is built afterwards for the pairs that are kept.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from exchange.reconcile import comparisons as cmp
from exchange.reconcile.model import LinkageModel
from exchange.reconcile.profile import Profile
from exchange.records import PartyKind

# Names whose exact agreement is weighed by their frequency in the registry.
TF_FIELDS = ("given_name", "family_name", "organisation_name")


@dataclass(frozen=True, slots=True)
class Scored:
    ref: int  # the candidate's taxpayer id
    weight: float  # sum of the comparisons' match weights, without the prior
    levels: tuple[int, ...]
    weights: tuple[float, ...]
    swapped: bool = False  # given and family name compared crosswise
    address_position: int = -1  # which registry address agreed best (0 = current)


# How many taxpayers' worth of weight the model's declared u of an exact name carries against the
# registry's own count: a name seen once in a registry of seven people says little about its share.
TF_PSEUDO_COUNT = 100.0


@dataclass
class Frequencies:
    """How many taxpayers carry each (field, folded name), and how many taxpayers there are."""

    registry_size: int
    counts: dict[tuple[str, str], int] = field(default_factory=dict)

    def share(self, field_name: str, value: str, declared_u: float) -> float:
        """The name's share of the registry: the u of an exact agreement on it (Splink's term
        frequency), smoothed toward the declared u so that a small registry's counts do not swing it."""
        count = self.counts.get((field_name, value), 0)
        return (count + TF_PSEUDO_COUNT * declared_u) / (self.registry_size + TF_PSEUDO_COUNT)


def _may_be_swapped(q: Profile, c: Profile, straight: Scored) -> bool:
    """Worth comparing crosswise: the names disagree, and an initial matches across."""
    if straight.levels[0] < 4 and straight.levels[1] < 4:
        return False
    return bool(
        (q.family and c.given and q.family[0] == c.given[0])
        or (q.given and c.family and q.given[0] == c.family[0])
    )


class Scorer:
    def __init__(self, models: Mapping[PartyKind, LinkageModel], frequencies: Frequencies) -> None:
        self.models = dict(models)
        self.frequencies = frequencies
        self._weights = {
            kind: [[level.weight for level in c.levels] for c in model.comparisons]
            for kind, model in self.models.items()
        }
        self._tf_cache: dict[tuple[str, str], float] = {}
        # What an explanation says of each comparison at each level, worked out once, not per pair.
        self._labels = {
            kind: [(c.field, [level.label for level in c.levels]) for c in model.comparisons]
            for kind, model in self.models.items()
        }
        self._priors = {
            kind: model.prior_weight(frequencies.registry_size) for kind, model in self.models.items()
        }

    def prior_weight(self, kind: PartyKind) -> float:
        return self._priors[kind]

    def _exact_weight(self, kind: PartyKind, index: int, field_name: str, value: str) -> float:
        key = (field_name, value)
        weight = self._tf_cache.get(key)
        if weight is None:
            level = self.models[kind].comparisons[index].levels[0]
            # The name's own share replaces the level's average u, both ways: agreeing on a name that
            # one taxpayer in twenty carries proves less than the average name, a rare one more.
            weight = math.log2(level.m / self.frequencies.share(field_name, value, level.u))
            self._tf_cache[key] = weight
        return weight

    def score(self, query: Profile, candidate: Profile, crosswise: bool = False) -> Scored:
        """`crosswise`: also try the query's names swapped, when the straight comparison suggests it
        (the swapped profile is built only then: few pairs need it)."""
        if query.kind is PartyKind.ORGANISATION:
            return self._score_organisation(query, candidate)
        straight = self._score_person(query, candidate, swapped=False)
        if not crosswise or not _may_be_swapped(query, candidate, straight):
            return straight
        crossed = self._score_person(query.swapped(), candidate, swapped=True)
        return crossed if crossed.weight > straight.weight else straight

    def _score_person(self, q: Profile, c: Profile, *, swapped: bool) -> Scored:
        given_w, family_w, birth_w, address_w, tin_w = self._weights[PartyKind.INDIVIDUAL]
        given = cmp.given_name_level(q.given, q.given_all, c.given, c.given_all)
        family = cmp.family_name_level(q.family, c.family)
        birth = cmp.birth_date_level(q.birth, c.birth)
        address, position = cmp.address_level(q.addresses, c.addresses)
        tin = cmp.tin_level(q.tins, c.tins)
        weights = (
            self._exact_weight(PartyKind.INDIVIDUAL, 0, "given_name", c.given)
            if given == 0
            else (given_w[given] if given >= 0 else 0.0),
            self._exact_weight(PartyKind.INDIVIDUAL, 1, "family_name", c.family)
            if family == 0
            else (family_w[family] if family >= 0 else 0.0),
            birth_w[birth] if birth >= 0 else 0.0,
            address_w[address] if address >= 0 else 0.0,
            tin_w[tin] if tin >= 0 else 0.0,
        )
        levels = (given, family, birth, address, tin)
        return Scored(c.ref, sum(weights), levels, weights, swapped, position)

    def _score_organisation(self, q: Profile, c: Profile) -> Scored:
        table = self._weights[PartyKind.ORGANISATION]
        name = cmp.organisation_name_level(q.organisation, c.organisation)
        address, position = cmp.address_level(q.addresses, c.addresses)
        tin = cmp.tin_level(q.tins, c.tins)
        levels = (name, address, tin)
        weights = [table[i][level] if level >= 0 else 0.0 for i, level in enumerate(levels)]
        if name == 0:
            weights[0] = self._exact_weight(PartyKind.ORGANISATION, 0, "organisation_name", c.organisation)
        return Scored(c.ref, sum(weights), levels, tuple(weights), False, position)

    def explain(self, kind: PartyKind, scored: Scored) -> dict[str, Any]:
        """Per field: the level reached and its match weight in bits, for an analyst to read."""
        model = self.models[kind]
        fields = []
        for (field_name, labels), comparison, level, weight in zip(
            self._labels[kind], model.comparisons, scored.levels, scored.weights, strict=True
        ):
            entry: dict[str, Any] = {
                "field": field_name,
                "level": "missing on one side" if level < 0 else labels[level],
                "weight": round(weight, 2),
            }
            if level == 0 and comparison.levels[0].term_frequency:
                entry["term_frequency_adjusted"] = True
            if field_name == "address" and scored.address_position >= 0:
                entry["registry_address"] = "current" if scored.address_position == 0 else "former"
            fields.append(entry)
        prior = self._priors[kind]
        return {
            "model": model.version,
            "fields": fields,
            "names_swapped": scored.swapped,
            "prior_weight": round(prior, 2),
            "match_weight": round(scored.weight + prior, 2),
        }

    def name_weight(self, kind: PartyKind, scored: Scored) -> float:
        """The evidence the names alone give: what decides whether a TIN's owner is the reported party."""
        if kind is PartyKind.ORGANISATION:
            return scored.weights[0]
        return scored.weights[0] + scored.weights[1]
