"""The linkage model's evidence: term frequencies weaken common names and strengthen rare ones, a TIN
lent by a sibling is a conflict naming both, and EM finds the m that generated a set of pairs."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Collection
from dataclasses import replace
from datetime import date
from typing import Any

from exchange.reconcile.decisions import Decision, DecisionKind, Method
from exchange.reconcile.matcher import Matcher, query_of_party
from exchange.reconcile.model import default_model
from exchange.reconcile.profile import Profile, address_key, taxpayer_profile
from exchange.reconcile.scoring import Frequencies, Scorer
from exchange.reconcile.sources import MemoryIndex
from exchange.reconcile.training import Pattern, estimate_u, expectation_maximisation
from exchange.records import PartyKind
from exchange.registry.synthetic.numbers import be_national_number
from tests.reconcile.builders import person, registry_profiles

PERSON = PartyKind.INDIVIDUAL
FAMILY = default_model(PERSON).index("family_name")


def _peeters(ref: int, given: str, born: date) -> Profile:
    return taxpayer_profile(
        ref,
        PERSON,
        be_national_number(born, 2 * ref + 1),
        given_names=given,
        family_name="Peeters",
        birth=born,
        addresses=[address_key("3000", "Leuven", "Naamsestraat", "12")],
    )


def _family_weight(scorer: Scorer, family: str) -> float:
    profile = replace(_peeters(1, "Jan", date(1980, 1, 1)), family=family)
    scored = scorer.score(profile, replace(profile, ref=2))
    assert scored.levels[FAMILY] == 0  # exact agreement: the level the frequency adjusts
    return scored.weights[FAMILY]


def test_term_frequency_weakens_a_common_family_name_and_strengthens_a_rare_one() -> None:
    model = default_model(PERSON)
    declared = model.comparisons[FAMILY].levels[0].weight
    size = 1_000_000
    counts = {("family_name", "peeters"): 49_000, ("family_name", "vanderstraeten"): 3}
    scorer = Scorer({PERSON: model}, Frequencies(size, counts))
    common = _family_weight(scorer, "peeters")  # carried by 4.9% of the registry
    rare = _family_weight(scorer, "vanderstraeten")
    assert common < declared - 3  # well below the average name's weight, not merely capped at it
    assert rare > declared
    # A name carried by the share the model declares for the average name keeps the declared weight.
    average = round(size * model.comparisons[FAMILY].levels[0].u)
    counted = Scorer({PERSON: model}, Frequencies(size, {("family_name", "peeters"): average}))
    assert abs(_family_weight(counted, "peeters") - declared) < 0.01


class _NationalRegistry(MemoryIndex):
    """A few taxpayers that answer as a national registry would: its size, and its name counts."""

    def __init__(self, profiles: list[Profile], size: int, counts: dict[tuple[str, str], int]) -> None:
        super().__init__(profiles)
        self.size, self.counts = size, counts

    def registry_size(self) -> int:
        return self.size

    def frequencies(self, names: Collection[tuple[str, str]]) -> dict[tuple[str, str], int]:
        return {name: self.counts.get(name, 1) for name in names}


def test_the_matcher_weighs_a_common_name_by_the_registry_s_count() -> None:
    born = date(1980, 1, 1)
    registry = [_peeters(1, "Jan", born), _peeters(2, "Jan", date(1980, 1, 2))]
    reported = query_of_party(
        0, person("Jan", "Peeters", born, None, "Damrak", "1", "1012AB", "Amsterdam"), "BE"
    )
    decisions = {}
    for label, peeters in (("rare", 3), ("common", 49_000)):
        counts = {("family_name", "peeters"): peeters, ("given_name", "jan"): 5_000}
        decisions[label] = Matcher(_NationalRegistry(registry, 1_000_000, counts)).match([reported])[0]
    rare, common = decisions["rare"], decisions["common"]
    assert rare.taxpayer_id == common.taxpayer_id == 1

    def family(decision: Decision) -> dict[str, Any]:
        return next(f for f in decision.explanation["fields"] if f["field"] == "family_name")

    assert (
        family(common)["term_frequency_adjusted"] and family(common)["weight"] < family(rare)["weight"] - 10
    )
    assert (common.probability or 0) < (rare.probability or 0)


def test_a_sibling_s_tin_is_a_conflict_naming_the_owner_and_the_sibling() -> None:
    born = date(1990, 5, 17)  # twins: the same family name, birth date and address
    jan, piet = _peeters(11, "Jan", born), _peeters(12, "Piet", born)
    reported = person("Piet", "Peeters", born, jan.tins[0], "Naamsestraat", "12", "3000", "Leuven")
    with_twin = Matcher(MemoryIndex([*registry_profiles(), jan, piet]))
    decision = with_twin.match([query_of_party(0, reported, "BE")])[0]
    assert (decision.kind, decision.method, decision.taxpayer_id) == (DecisionKind.CONFLICT, Method.TIN, 11)
    assert decision.explanation["agrees_on_every_field"] == 12
    assert 12 in [c.taxpayer_id for c in decision.candidates]
    # Without the twin in the registry nobody else fits: the TIN's owner is the party (another given
    # name alone, as a second first name used abroad, does not undo a TIN).
    alone = Matcher(MemoryIndex([*registry_profiles(), jan])).match([query_of_party(0, reported, "BE")])[0]
    assert (alone.kind, alone.taxpayer_id) == (DecisionKind.MATCH, 11)


def _sample(rng: random.Random, probabilities: list[float]) -> int:
    return rng.choices(range(len(probabilities)), weights=probabilities)[0]


def test_em_recovers_the_m_that_generated_the_pairs() -> None:
    rng = random.Random(3)
    true_m = [[0.85, 0.10, 0.05], [0.70, 0.20, 0.10], [0.90, 0.06, 0.04]]
    true_u = [[0.01, 0.04, 0.95], [0.05, 0.15, 0.80], [0.002, 0.018, 0.98]]
    share = 0.25
    pairs: Counter[Pattern] = Counter()
    for _ in range(40_000):
        levels = true_m if rng.random() < share else true_u
        pattern = tuple(_sample(rng, p) for p in levels)
        if rng.random() < 0.05:  # some fields missing on one side
            pattern = (-1, *pattern[1:])
        pairs[pattern] += 1
    randoms: Counter[Pattern] = Counter(tuple(_sample(rng, p) for p in true_u) for _ in range(50_000))
    u = estimate_u(randoms, [[1 / 3] * 3] * 3)
    for estimated, actual in zip(u, true_u, strict=True):
        assert max(abs(a - b) for a, b in zip(estimated, actual, strict=True)) < 0.01
    prior = [[0.5, 0.3, 0.2]] * 3  # far from the truth: the data, not the prior, must decide
    result = expectation_maximisation(pairs, u, prior)
    assert result.converged
    assert abs(result.match_share - share) < 0.02
    for estimated, actual in zip(result.m, true_m, strict=True):
        assert max(abs(a - b) for a, b in zip(estimated, actual, strict=True)) < 0.03


def test_with_few_pairs_the_declared_m_holds() -> None:
    prior = [[0.8, 0.15, 0.05]]
    u = [[0.01, 0.09, 0.90]]
    result = expectation_maximisation(Counter({(0,): 2, (2,): 1}), u, prior)
    assert max(abs(a - b) for a, b in zip(result.m[0], prior[0], strict=True)) < 0.1
