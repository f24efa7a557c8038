"""Training the linkage model on the data, as Splink does: u from random pairs of the registry, m by
expectation maximisation over the candidate pairs of stored reported parties, the declared values of
exchange.reconcile.model as the prior (pseudo-counts) and the fallback (too few pairs to learn from).

EM learns a field's m only from pairs that were not chosen for agreeing on it: a session over the
pairs that share a home TIN learns names, birth date and address; a session over pairs blocked on
birth date and family name (or on the entity name) learns the TIN. u is fixed from the random pairs
during EM, which keeps the estimation identifiable (Splink's default too). The trained model is
stored with its version in `linkage_model`; the matcher uses the newest of each kind.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select

from exchange.reconcile.blocking import RULE_BY_NAME, query_keys
from exchange.reconcile.comparisons import NULL
from exchange.reconcile.db_source import DatabaseSource, load_profiles
from exchange.reconcile.matcher import Query
from exchange.reconcile.model import LinkageModel, default_model
from exchange.reconcile.models import TrainedModel
from exchange.reconcile.profile import Profile
from exchange.reconcile.scoring import Frequencies, Scorer
from exchange.records import PartyKind
from exchange.registry.models import TAXPAYER_LINK

PRIOR_PAIRS = 50.0  # weight of the declared m and u, in pairs: a few hundred pairs outweigh them
MIN_PAIRS = 200  # fewer pairs than this in a session: its fields keep the declared m
RANDOM_PAIRS = 50_000
MAX_ITERATIONS = 200
TOLERANCE = 1e-5

Pattern = tuple[int, ...]  # one level (or NULL) per comparison


@dataclass
class EmResult:
    m: list[list[float]]
    match_share: float  # λ: the share of the pairs that are matches
    iterations: int
    converged: bool


def _smoothed(counts: Sequence[float], total: float, prior: Sequence[float]) -> list[float]:
    return [(count + PRIOR_PAIRS * p) / (total + PRIOR_PAIRS) for count, p in zip(counts, prior, strict=True)]


def estimate_u(patterns: Counter[Pattern], declared_u: Sequence[Sequence[float]]) -> list[list[float]]:
    """u per level from the level patterns of random pairs (almost all of them non-matches)."""
    u = []
    for c, prior in enumerate(declared_u):
        counts = [0.0] * len(prior)
        for pattern, n in patterns.items():
            if pattern[c] != NULL:
                counts[pattern[c]] += n
        u.append(_smoothed(counts, sum(counts), prior))
    return u


def expectation_maximisation(
    patterns: Counter[Pattern],
    u: Sequence[Sequence[float]],
    prior_m: Sequence[Sequence[float]],
    *,
    match_share: float = 0.3,
    max_iterations: int = MAX_ITERATIONS,
    tolerance: float = TOLERANCE,
) -> EmResult:
    """m per level and λ for the pairs' level patterns, u held fixed, the prior m as pseudo-counts."""
    m = [list(levels) for levels in prior_m]
    items = list(patterns.items())
    total = sum(n for _, n in items)
    for iteration in range(1, max_iterations + 1):
        counts = [[0.0] * len(levels) for levels in m]
        present = [0.0] * len(m)
        matches = 0.0
        for pattern, n in items:
            p_match, p_other = match_share, 1.0 - match_share
            for c, level in enumerate(pattern):
                if level != NULL:
                    p_match *= m[c][level]
                    p_other *= u[c][level]
            weight = n * p_match / (p_match + p_other)
            matches += weight
            for c, level in enumerate(pattern):
                if level != NULL:
                    counts[c][level] += weight
                    present[c] += weight
        new_m = [_smoothed(counts[c], present[c], prior_m[c]) for c in range(len(m))]
        change = max(
            abs(a - b) for old, new in zip(m, new_m, strict=True) for a, b in zip(old, new, strict=True)
        )
        m, match_share = new_m, matches / total if total else match_share
        if change < tolerance:
            return EmResult(m, match_share, iteration, True)
    return EmResult(m, match_share, max_iterations, False)


# -- gathering pairs from the database ------------------------------------------------------------


def _random_profiles(
    connection: Connection, kind: PartyKind, count: int, rng: random.Random
) -> list[Profile]:
    low, high = connection.execute(
        select(func.min(TAXPAYER_LINK.c.taxpayer_id), func.max(TAXPAYER_LINK.c.taxpayer_id))
    ).one()
    if low is None:
        return []
    ids = {rng.randint(low, high) for _ in range(count)}
    return [p for p in load_profiles(connection, ids).values() if p.kind is kind]


def _patterns(
    scorer: Scorer, pairs: Iterable[tuple[Profile, Profile]], left_out: Collection[int] = ()
) -> Counter[Pattern]:
    """The level patterns of the pairs; the fields the pairs were chosen on are left out (NULL), as
    their agreement says nothing about the pair once the blocking made it."""
    found: Counter[Pattern] = Counter()
    for reported, candidate in pairs:
        levels = scorer.score(reported, candidate).levels
        found[tuple(NULL if i in left_out else level for i, level in enumerate(levels))] += 1
    return found


@dataclass
class Training:
    """What a training run did, stored beside the model."""

    kind: PartyKind
    random_pairs: int = 0
    sessions: dict[str, dict[str, Any]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind.value, "random_pairs": self.random_pairs, "sessions": self.sessions}


# Which fields each session's pairs were chosen on (so it cannot learn their m), and its pairs.
_BLOCKING_SESSION = {PartyKind.INDIVIDUAL: "bdf", PartyKind.ORGANISATION: "on"}
_RULE_FIELDS = {"bdf": {"birth_date", "family_name"}, "on": {"organisation_name"}}


def train(
    connection: Connection,
    home: str,
    kind: PartyKind,
    queries: Sequence[Query],
    *,
    seed: int = 0,
    random_pairs: int = RANDOM_PAIRS,
    max_block_size: int = 100,
) -> tuple[LinkageModel, Training]:
    """A model of `kind` trained on these reported parties against the registry in the database."""
    declared = default_model(kind)
    rng = random.Random(seed)  # noqa: S311  (a sample of pairs, not a secret)
    source = DatabaseSource(connection, home)
    scorer = Scorer({kind: declared}, Frequencies(source.registry_size()))
    queries = [q for q in queries if q.profile.kind is kind]
    training = Training(kind)
    sample = _random_profiles(connection, kind, random_pairs * 2, rng)
    rng.shuffle(sample)
    randoms = _patterns(scorer, zip(sample[0::2], sample[1::2], strict=False))
    training.random_pairs = sum(randoms.values())
    u = estimate_u(randoms, [[lv.u for lv in c.levels] for c in declared.comparisons])
    m = [[lv.m for lv in c.levels] for c in declared.comparisons]
    fields = [c.field for c in declared.comparisons]

    owners = source.owners({tin for q in queries for tin in q.home_tins})
    tin_pairs = [(q.profile, owners[t]) for q in queries for t in q.home_tins[:1] if t in owners]
    rule = RULE_BY_NAME[_BLOCKING_SESSION[kind]]
    keys = {q.ref: {k for k in query_keys(q.profile, rule.stage) if k[0] == rule.name} for q in queries}
    found = source.lookup({k for ks in keys.values() for k in ks}, max_block_size)
    block_pairs = [(q.profile, c) for q in queries for k in keys[q.ref] for c in found.get(k, ())]
    sessions = (("tin", tin_pairs, {"tin"}), (rule.name, block_pairs, _RULE_FIELDS[rule.name]))
    for name, pairs, chosen_on in sessions:
        learns = [i for i, f in enumerate(fields) if f not in chosen_on]
        summary: dict[str, Any] = {"pairs": len(pairs), "learns": [fields[i] for i in learns]}
        if len(pairs) < MIN_PAIRS:
            summary["result"] = "too few pairs: declared m kept"
        else:
            left_out = {i for i, f in enumerate(fields) if f in chosen_on}
            patterns = _patterns(scorer, pairs, left_out)
            result = expectation_maximisation(patterns, u, m)
            for i in learns:
                m[i] = result.m[i]
            summary |= {
                "iterations": result.iterations,
                "converged": result.converged,
                "match_share": round(result.match_share, 4),
            }
        training.sessions[name] = summary
    model = declared
    for i, name in enumerate(fields):
        model = model.with_probabilities(name, m[i], u[i])
    return model, training


def store_model(connection: Connection, model: LinkageModel, training: Training) -> LinkageModel:
    """Keep a trained model under a new version; the matcher uses it from the next file on."""
    now = datetime.now(UTC)
    version = f"{default_model(model.kind).version}+em{now:%Y%m%d%H%M%S%f}"[:32]
    stored = LinkageModel(model.kind, model.comparisons, model.prior_in_registry, version)
    connection.execute(
        insert(TrainedModel).values(
            version=version,
            kind=model.kind.value,
            trained_at=now,
            model=stored.to_dict(),
            training=training.to_dict(),
        )
    )
    return stored


def model_from_dict(kind: PartyKind, data: Mapping[str, Any]) -> LinkageModel | None:
    """A stored model on the declared model's levels; None when the declared levels changed since
    (then the declared model serves until the next training)."""
    model = default_model(kind)
    stored = {c["field"]: c["levels"] for c in data.get("comparisons", [])}
    for comparison in model.comparisons:
        levels = stored.get(comparison.field)
        if levels is None or [lv["label"] for lv in levels] != [lv.label for lv in comparison.levels]:
            return None
        model = model.with_probabilities(
            comparison.field, [float(lv["m"]) for lv in levels], [float(lv["u"]) for lv in levels]
        )
    return LinkageModel(kind, model.comparisons, model.prior_in_registry, str(data["version"]))


def trained_models(connection: Connection) -> dict[PartyKind, LinkageModel]:
    """The newest trained model of each kind that fits the declared levels."""
    found: dict[PartyKind, LinkageModel] = {}
    for kind in PartyKind:
        row = connection.execute(
            select(TrainedModel.model)
            .where(TrainedModel.kind == kind.value)
            .order_by(TrainedModel.trained_at.desc())
            .limit(1)
        ).first()
        if row is not None:
            model = model_from_dict(kind, row[0])
            if model is not None:
                found[kind] = model
    return found
