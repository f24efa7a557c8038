"""The matcher: for each reported party, its home TIN's owner (checked against name and birth date)
or, failing that, record linkage over blocked candidates; batch by batch, so a database source answers
each question once per batch instead of once per party.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from exchange.reconcile.blocking import FREQUENCY_RULES, BlockKey, query_keys
from exchange.reconcile.comparisons import NULL
from exchange.reconcile.decisions import (
    Candidate,
    Decision,
    DecisionKind,
    MatchPolicy,
    Method,
    posterior,
)
from exchange.reconcile.model import LinkageModel, default_model
from exchange.reconcile.profile import Profile, party_profile
from exchange.reconcile.scoring import Frequencies, Scored, Scorer
from exchange.reconcile.sources import CandidateSource
from exchange.records import Party, PartyKind
from exchange.registry.identifiers import normalize_tin

_BIRTH_DATE_AGREES = {NULL, 0, 1}  # missing, exact, or a typo: anything else contradicts a TIN


@dataclass(frozen=True, slots=True)
class Query:
    """A reported party ready to match: its profile and what its TINs say."""

    profile: Profile
    home_tins: tuple[str, ...] = ()  # valid numbers issued by the home jurisdiction, compact
    tin_status: str = "absent"  # absent, valid, invalid, foreign (only numbers issued elsewhere)

    @property
    def ref(self) -> int:
        return self.profile.ref


def query_of_party(ref: int, party: Party, home: str) -> Query:
    """Which of the party's TINs are home numbers: issued by home, or unlabelled but valid there."""
    profile = party_profile(ref, party)
    home_tins: list[str] = []
    statuses = set()
    for tin in party.tins:
        if tin.issued_by not in (None, home):
            statuses.add("foreign")
            continue
        value = normalize_tin(tin.value, home, party.kind)
        if value is not None:
            home_tins.append(value)
            statuses.add("valid")
        else:
            statuses.add("invalid" if tin.issued_by == home else "foreign")
    status = next((s for s in ("valid", "invalid", "foreign") if s in statuses), "absent")
    return Query(profile, tuple(dict.fromkeys(home_tins)), status)


class Matcher:
    def __init__(
        self,
        source: CandidateSource,
        policy: MatchPolicy | None = None,
        models: Mapping[PartyKind, LinkageModel] | None = None,
    ) -> None:
        self.source = source
        self.policy = policy or MatchPolicy()
        chosen = dict(models or {})
        for kind in PartyKind:
            chosen.setdefault(kind, default_model(kind))
        self.scorer = Scorer(chosen, Frequencies(source.registry_size()))
        self._known_frequencies: set[BlockKey] = set()

    def match(self, queries: Sequence[Query]) -> list[Decision]:
        """One decision per query, in the same order."""
        owners = self.source.owners({tin for query in queries for tin in query.home_tins})
        swapped = {q.ref: q.profile.swapped() for q in queries if q.profile.kind is PartyKind.INDIVIDUAL}
        decisions: dict[int, Decision] = {}
        owner_of: dict[int, int] = {}
        for query in queries:
            owner = next((owners[tin] for tin in query.home_tins if tin in owners), None)
            if owner is not None:
                owner_of[query.ref] = owner
        self._load([*owner_of.values()])
        linkage: list[Query] = []
        for query in queries:
            if query.ref in owner_of:
                confirmed = self._confirm_owner(query, owner_of[query.ref], swapped.get(query.ref))
                if confirmed is not None:
                    decisions[query.ref] = confirmed
                    continue
            linkage.append(query)
        for decision in self._link(linkage, swapped, owner_of):
            decisions[decision.ref] = decision
        return [decisions[query.ref] for query in queries]

    # -- exact TIN --------------------------------------------------------------------------------

    def _confirm_owner(self, query: Query, owner: int, swapped: Profile | None) -> Decision | None:
        """A match when the owner's name and birth date agree with the party's; None sends the party
        to linkage, which reports it as a conflict with candidates."""
        kind = query.profile.kind
        candidate = self.source.profiles([owner]).get(owner)
        if candidate is None or candidate.kind is not kind:
            return None
        scored = self.scorer.score(query.profile, candidate, swapped)
        if not self._agrees(kind, scored):
            return None
        explanation = self.scorer.explain(kind, scored) | {"tin": "home TIN found in the registry"}
        probability = posterior([scored.weight], self.scorer.prior_weight(kind))[0]
        return Decision(
            query.ref,
            DecisionKind.MATCH,
            Method.TIN,
            owner,
            scored.weight + self.scorer.prior_weight(kind),
            probability,
            explanation,
        )

    def _agrees(self, kind: PartyKind, scored: Scored) -> bool:
        if self.scorer.name_weight(kind, scored) < 0:
            return False
        return kind is PartyKind.ORGANISATION or scored.levels[2] in _BIRTH_DATE_AGREES

    # -- record linkage ---------------------------------------------------------------------------

    def _link(
        self, queries: Sequence[Query], swapped: Mapping[int, Profile], owner_of: Mapping[int, int]
    ) -> list[Decision]:
        decisions: dict[int, Decision] = {}
        scored: dict[int, dict[int, Scored]] = {query.ref: {} for query in queries}
        pending = list(queries)
        for stage in (1, 2):
            self._score_stage(pending, stage, swapped, scored)
            still_open = []
            for query in pending:
                decision = self._decide(query, scored[query.ref], owner_of.get(query.ref))
                decisions[query.ref] = decision
                if decision.kind is not DecisionKind.MATCH:
                    still_open.append(query)
            pending = still_open
        return [decisions[query.ref] for query in queries]

    def _score_stage(
        self,
        queries: Sequence[Query],
        stage: int,
        swapped: Mapping[int, Profile],
        scored: dict[int, dict[int, Scored]],
    ) -> None:
        keys_of = {q.ref: query_keys(q.profile, stage) for q in queries}
        found = self.source.lookup(
            {key for keys in keys_of.values() for key in keys}, self.policy.max_block_size
        )
        candidates_of: dict[int, set[int]] = {}
        for query in queries:
            ids: set[int] = set()
            for key in keys_of[query.ref]:
                ids.update(found.get(key, ()))
            candidates_of[query.ref] = ids - scored[query.ref].keys()
        profiles = self._load({i for ids in candidates_of.values() for i in ids})
        for query in queries:
            mine = scored[query.ref]
            for taxpayer_id in candidates_of[query.ref]:
                candidate = profiles[taxpayer_id]
                if candidate.kind is query.profile.kind:
                    mine[taxpayer_id] = self.scorer.score(query.profile, candidate, swapped.get(query.ref))

    def _load(self, ids: Collection[int]) -> Mapping[int, Profile]:
        """The candidates' profiles, with the registry frequencies of their names known to the scorer."""
        profiles = self.source.profiles(list(ids))
        wanted: set[BlockKey] = set()
        for taxpayer_id in ids:
            profile = profiles.get(taxpayer_id)
            if profile is None:
                continue
            for rule, value in (
                ("giv", profile.given),
                ("fam", profile.family),
                ("org", profile.organisation),
            ):
                if value and (rule, value) not in self._known_frequencies:
                    wanted.add((rule, value))
        if wanted:
            counts = self.scorer.frequencies.counts
            for (rule, value), count in self.source.frequencies(wanted).items():
                counts[FREQUENCY_RULES[rule]][value] = count
            self._known_frequencies |= wanted
        return profiles

    def _decide(self, query: Query, scored: Mapping[int, Scored], tin_owner: int | None) -> Decision:
        kind = query.profile.kind
        prior = self.scorer.prior_weight(kind)
        ranked = sorted(scored.values(), key=lambda s: s.weight, reverse=True)
        if tin_owner is not None and tin_owner not in scored:
            owner = self._score_owner(query, tin_owner)
            if owner is not None:
                ranked = sorted([*ranked, owner], key=lambda s: s.weight, reverse=True)
        probabilities = posterior([s.weight for s in ranked], prior)
        shortlist = [
            Candidate(s.ref, s.weight + prior, p, self.scorer.explain(kind, s))
            for s, p in zip(ranked, probabilities, strict=True)
            if p >= self.policy.candidate_probability and s.ref != tin_owner
        ][: self.policy.max_candidates]
        if tin_owner is not None:
            return self._conflict(query, tin_owner, ranked, probabilities, tuple(shortlist))
        notes = {"tin": _TIN_NOTES[query.tin_status]}
        if shortlist and shortlist[0].probability >= self.policy.match_probability:
            best = shortlist[0]
            return Decision(
                query.ref,
                DecisionKind.MATCH,
                Method.LINKAGE,
                best.taxpayer_id,
                best.match_weight,
                best.probability,
                best.explanation | notes,
                tuple(shortlist[1:]),
            )
        if shortlist:
            return Decision(
                query.ref,
                DecisionKind.CANDIDATES,
                Method.LINKAGE,
                explanation=notes,
                candidates=tuple(shortlist),
            )
        return Decision(query.ref, DecisionKind.NO_MATCH, Method.LINKAGE, explanation=notes)

    def _score_owner(self, query: Query, owner: int) -> Scored | None:
        candidate = self.source.profiles([owner]).get(owner)
        if candidate is None or candidate.kind is not query.profile.kind:
            return None
        return self.scorer.score(query.profile, candidate, query.profile.swapped())

    def _conflict(
        self,
        query: Query,
        owner: int,
        ranked: Sequence[Scored],
        probabilities: Sequence[float],
        others: tuple[Candidate, ...],
    ) -> Decision:
        """The TIN's owner, with the weight and probability that all fields together give it among the
        candidates (a high one: probably a typo in a name; a low one: the TIN is someone else's)."""
        kind = query.profile.kind
        prior = self.scorer.prior_weight(kind)
        note = "the home TIN belongs to this taxpayer, whose name or birth date differ"
        for scored, probability in zip(ranked, probabilities, strict=True):
            if scored.ref == owner:
                explanation = self.scorer.explain(kind, scored) | {"tin": note}
                return Decision(
                    query.ref,
                    DecisionKind.CONFLICT,
                    Method.TIN,
                    owner,
                    scored.weight + prior,
                    probability,
                    explanation,
                    others,
                )
        explanation = {"tin": "the home TIN belongs to a taxpayer of the other kind (person or entity)"}
        return Decision(
            query.ref, DecisionKind.CONFLICT, Method.TIN, owner, explanation=explanation, candidates=others
        )


_TIN_NOTES = {
    "absent": "no TIN reported",
    "valid": "a valid home TIN that is not in the registry",
    "invalid": "the reported home TIN breaks its check digits",
    "foreign": "only TINs of other jurisdictions",
}
