"""Matching reported parties to the domestic registry: the home TIN first (checked against name and
birth date), then Fellegi-Sunter record linkage with blocking, every decision with its explanation.

The pipeline calls `reconcile_file(engine, file_id, settings)` after storing a file; a registry update
calls for `rematch(engine, settings)`. In memory (demo, benchmarks): `Matcher(MemoryIndex(...))`.
"""

from __future__ import annotations

from exchange.reconcile.decisions import Candidate, Decision, DecisionKind, MatchPolicy, Method
from exchange.reconcile.matcher import Matcher, Query, query_of_party
from exchange.reconcile.memory import population_index
from exchange.reconcile.service import ReconcileSummary, reconcile_file, rematch
from exchange.reconcile.sources import CandidateSource, MemoryIndex

__all__ = [
    "Candidate",
    "CandidateSource",
    "Decision",
    "DecisionKind",
    "MatchPolicy",
    "Matcher",
    "MemoryIndex",
    "Method",
    "Query",
    "ReconcileSummary",
    "population_index",
    "query_of_party",
    "reconcile_file",
    "rematch",
]
