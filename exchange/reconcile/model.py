"""The linkage models, declared as data: for each compared field its levels, and for each level the
probability of seeing it among true matches (m) and among random pairs (u). A level's match weight is
log2(m/u): the bits of evidence it adds for (positive) or against (negative) the pair being one person.

The m and u below are declared from how foreign institutions garble our residents' data (a first name
dropped or shortened, a typo in a date, a former address) and from the Benelux registries' spread
(some 30,000 birth dates, a thousand post codes). The u of an exact name comes from the registry
itself (term frequencies): agreeing on "Peeters" proves less than agreeing on "Vanderstraeten".
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

from exchange.records import PartyKind

MODEL_VERSION = "fs-1"


@dataclass(frozen=True, slots=True)
class Level:
    label: str
    m: float
    u: float
    term_frequency: bool = False  # u of an exact name is the name's share of the registry

    @property
    def weight(self) -> float:
        return math.log2(self.m / self.u)


@dataclass(frozen=True, slots=True)
class Comparison:
    field: str
    description: str
    levels: tuple[Level, ...]


@dataclass(frozen=True, slots=True)
class LinkageModel:
    kind: PartyKind
    comparisons: tuple[Comparison, ...]
    # Share of reported parties expected to be in the registry; the prior of one given taxpayer being the
    # party is this share divided by the registry's size.
    prior_in_registry: float = 0.9
    version: str = MODEL_VERSION

    def comparison(self, field: str) -> Comparison:
        return next(c for c in self.comparisons if c.field == field)

    def index(self, field: str) -> int:
        return next(i for i, c in enumerate(self.comparisons) if c.field == field)

    def prior_weight(self, registry_size: int) -> float:
        return math.log2(self.prior_in_registry / max(registry_size, 1))

    def with_probabilities(self, field: str, m: list[float] | None, u: list[float] | None) -> LinkageModel:
        """A copy with new m and/or u for one comparison (what training produces)."""
        comparisons = []
        for comparison in self.comparisons:
            if comparison.field == field:
                levels = tuple(
                    replace(level, m=level.m if m is None else m[i], u=level.u if u is None else u[i])
                    for i, level in enumerate(comparison.levels)
                )
                comparison = replace(comparison, levels=levels)
            comparisons.append(comparison)
        return replace(self, comparisons=tuple(comparisons))

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "version": self.version,
            "prior_in_registry": self.prior_in_registry,
            "comparisons": [
                {
                    "field": c.field,
                    "description": c.description,
                    "levels": [
                        {"label": lv.label, "m": lv.m, "u": lv.u, "weight": round(lv.weight, 3)}
                        for lv in c.levels
                    ],
                }
                for c in self.comparisons
            ],
        }


GIVEN_NAME = Comparison(
    "given_name",
    "first given name",
    (
        Level("exact", 0.80, 0.01, term_frequency=True),
        Level("one edit, or jaro-winkler >= 0.92", 0.08, 0.004),
        Level("jaro-winkler >= 0.80", 0.04, 0.03),
        Level("initial, or another given name", 0.05, 0.02),
        Level("different", 0.03, 0.936),
    ),
)
FAMILY_NAME = Comparison(
    "family_name",
    "family name with its particles, as one word",
    (
        Level("exact", 0.84, 0.002, term_frequency=True),
        Level("one edit, or jaro-winkler >= 0.92", 0.09, 0.003),
        Level("jaro-winkler >= 0.80", 0.03, 0.02),
        Level("one contains the other", 0.02, 0.002),
        Level("different", 0.02, 0.973),
    ),
)
BIRTH_DATE = Comparison(
    "birth_date",
    "date of birth",
    (
        Level("exact", 0.90, 0.00004),
        Level("one typo, or day and month swapped", 0.07, 0.0015),
        Level("years at most one apart", 0.01, 0.035),
        Level("different", 0.02, 0.9634),
    ),
)
ADDRESS = Comparison(
    "address",
    "best pair of reported address and registry address (current or former)",
    (
        Level("same street and number", 0.62, 0.00002),
        Level("same street", 0.08, 0.0002),
        Level("same post code or town", 0.10, 0.005),
        Level("different town", 0.20, 0.99478),
    ),
)
TIN = Comparison(
    "tin",
    "taxpayer identification number",
    (
        Level("exact", 0.93, 0.000001),
        Level("one typo", 0.04, 0.00003),
        Level("different", 0.03, 0.999969),
    ),
)
ORGANISATION_NAME = Comparison(
    "organisation_name",
    "entity name without its legal form",
    (
        Level("exact", 0.75, 0.0005, term_frequency=True),
        Level("token-sort similarity >= 90", 0.12, 0.001),
        Level("token-set similarity >= 80", 0.08, 0.01),
        Level("different", 0.05, 0.9885),
    ),
)

PERSON_MODEL = LinkageModel(PartyKind.INDIVIDUAL, (GIVEN_NAME, FAMILY_NAME, BIRTH_DATE, ADDRESS, TIN))
ORGANISATION_MODEL = LinkageModel(PartyKind.ORGANISATION, (ORGANISATION_NAME, ADDRESS, TIN))


def default_model(kind: PartyKind) -> LinkageModel:
    return PERSON_MODEL if kind is PartyKind.INDIVIDUAL else ORGANISATION_MODEL
