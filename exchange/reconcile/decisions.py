"""What the reconciliation decides about one reported party, and how a score becomes a probability."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class DecisionKind(StrEnum):
    MATCH = "match"  # one taxpayer, confidently
    CANDIDATES = "candidates"  # a ranked list for an analyst to choose from
    NO_MATCH = "no_match"  # nobody in the registry looks like the party
    CONFLICT = "conflict"  # the reported home TIN belongs to a taxpayer whose name or birth date differ
    AWAITING = "awaiting"  # no registry loaded yet: nothing was decided (see reconcile.awaiting)


class Method(StrEnum):
    TIN = "tin"  # the home TIN found its owner, and name and birth date agree
    LINKAGE = "linkage"  # probabilistic record linkage
    NONE = "none"  # nothing was matched: the registry is empty


@dataclass(frozen=True, slots=True)
class MatchPolicy:
    """Thresholds on the posterior probability that a candidate is the reported party."""

    match_probability: float = 0.9
    candidate_probability: float = 0.05
    max_candidates: int = 5
    max_block_size: int = 500  # a blocking key shared by more taxpayers than this says too little


@dataclass(frozen=True, slots=True)
class Candidate:
    taxpayer_id: int
    match_weight: float
    probability: float
    explanation: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {
            "taxpayer_id": self.taxpayer_id,
            "match_weight": round(self.match_weight, 2),
            "probability": round(self.probability, 6),
            "explanation": self.explanation,
        }


@dataclass(frozen=True, slots=True)
class Decision:
    ref: int  # the reported party's position in its batch
    kind: DecisionKind
    method: Method
    taxpayer_id: int | None = None
    match_weight: float | None = None
    probability: float | None = None
    explanation: dict[str, Any] = field(default_factory=dict)
    candidates: tuple[Candidate, ...] = ()


def posterior(weights: Sequence[float], prior_weight: float) -> list[float]:
    """P(candidate i is the party) for each candidate, against the alternative that none of them is.

    Each candidate's odds are 2^(prior + weight); the party is either one of them or nobody listed.
    """
    odds = [2.0 ** min(prior_weight + weight, 1000.0) for weight in weights]
    total = 1.0 + math.fsum(odds)
    return [value / total for value in odds]
