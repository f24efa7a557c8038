"""The matcher: for each reported party, its home TIN's owner (checked against name and birth date)
or, failing that, record linkage over blocked candidates; batch by batch, so a database source answers
each question once per batch instead of once per party.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from exchange.reconcile.blocking import query_keys
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
from exchange.reconcile.sources import CandidateSource, frequency_names
from exchange.records import Party, PartyKind
from exchange.registry.identifiers import normalize_tin

_BIRTH_DATE_AGREES = {NULL, 0, 1}  # missing, exact, or a typo: anything else contradicts a TIN
_ANOTHER_GIVEN_NAME = {2, 4}  # merely similar, or different (not a typo, an initial or a middle name)
_AGREES = {NULL, 0, 1}  # missing, exact, or one typo away


def _another_given_name(kind: PartyKind, scored: Scored) -> bool:
    return kind is PartyKind.INDIVIDUAL and scored.levels[0] in _ANOTHER_GIVEN_NAME


def _agrees_everywhere(scored: Scored) -> bool:
    """Every field but the TIN (which is someone else's) exact or a typo away, or missing."""
    given, family, birth, address, _ = scored.levels
    return all(level in _AGREES for level in (given, family, birth, address))


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
        self._known_frequencies: set[tuple[str, str]] = set()
        self.pairs_scored = 0  # candidate pairs compared field by field, for the benchmark

    def version(self, kind: PartyKind) -> str:
        """The version of the model that decides about parties of this kind."""
        return self.scorer.models[kind].version

    def match(self, queries: Sequence[Query]) -> list[Decision]:
        """One decision per query, in the same order."""
        owners = self.source.owners({tin for query in queries for tin in query.home_tins})
        decisions: dict[int, Decision] = {}
        owner_of: dict[int, Profile] = {}
        for query in queries:
            owner = next((owners[tin] for tin in query.home_tins if tin in owners), None)
            if owner is not None:
                owner_of[query.ref] = owner
        self._count_names(owner_of.values())
        linkage: list[Query] = []
        doubted: list[tuple[Query, Decision]] = []
        for query in queries:
            owner = owner_of.get(query.ref)
            confirmed = None if owner is None else self._confirm_owner(query, owner)
            if confirmed is None:
                linkage.append(query)
            elif _another_given_name(query.profile.kind, confirmed[1]):
                doubted.append((query, confirmed[0]))
            else:
                decisions[query.ref] = confirmed[0]
        for decision in self._link(linkage, owner_of):
            decisions[decision.ref] = decision
        for decision in self._check_namesakes(doubted, owner_of):
            decisions[decision.ref] = decision
        return [decisions[query.ref] for query in queries]

    # -- exact TIN --------------------------------------------------------------------------------

    def _confirm_owner(self, query: Query, owner: Profile) -> tuple[Decision, Scored] | None:
        """A match when the owner's name and birth date agree with the party's; None sends the party
        to linkage, which reports it as a conflict with candidates."""
        kind = query.profile.kind
        if owner.kind is not kind:
            return None
        scored = self._score(query.profile, owner)
        if not self._agrees(kind, scored):
            return None
        explanation = self.scorer.explain(kind, scored) | {"tin": "home TIN found in the registry"}
        probability = posterior([scored.weight], self.scorer.prior_weight(kind))[0]
        decision = Decision(
            query.ref,
            DecisionKind.MATCH,
            Method.TIN,
            owner.ref,
            scored.weight + self.scorer.prior_weight(kind),
            probability,
            explanation,
        )
        return decision, scored

    def _agrees(self, kind: PartyKind, scored: Scored) -> bool:
        if self.scorer.name_weight(kind, scored) < 0:
            return False
        return kind is PartyKind.ORGANISATION or scored.levels[2] in _BIRTH_DATE_AGREES

    def _check_namesakes(
        self,
        doubted: Sequence[tuple[Query, Decision]],
        owner_of: Mapping[int, Profile],
    ) -> list[Decision]:
        """The TIN's owner has another given name: if another taxpayer agrees with the party on every
        field (a sibling's or a parent's TIN was reported), the party is a conflict naming both, not
        the owner; otherwise the owner's match stands."""
        scored: dict[int, dict[int, Scored]] = {query.ref: {} for query, _ in doubted}
        self._score_stage([query for query, _ in doubted], 1, scored)
        decisions = []
        for query, confirmed in doubted:
            owner = owner_of[query.ref].ref
            if any(s.ref != owner and _agrees_everywhere(s) for s in scored[query.ref].values()):
                decisions.append(self._decide(query, scored[query.ref], owner_of[query.ref]))
            else:
                decisions.append(confirmed)
        return decisions

    # -- record linkage ---------------------------------------------------------------------------

    def _link(self, queries: Sequence[Query], owner_of: Mapping[int, Profile]) -> list[Decision]:
        decisions: dict[int, Decision] = {}
        scored: dict[int, dict[int, Scored]] = {query.ref: {} for query in queries}
        pending = list(queries)
        for stage in (1, 2):
            self._score_stage(pending, stage, scored)
            still_open = []
            for query in pending:
                decision = self._decide(query, scored[query.ref], owner_of.get(query.ref))
                decisions[query.ref] = decision
                if decision.kind is not DecisionKind.MATCH:
                    still_open.append(query)
            pending = still_open
        return [decisions[query.ref] for query in queries]

    def _score(self, query: Profile, candidate: Profile) -> Scored:
        self.pairs_scored += 1
        return self.scorer.score(query, candidate, crosswise=True)

    def _score_stage(
        self,
        queries: Sequence[Query],
        stage: int,
        scored: dict[int, dict[int, Scored]],
    ) -> None:
        if not queries:
            return
        keys_of = {q.ref: query_keys(q.profile, stage) for q in queries}
        found = self.source.lookup(
            {key for keys in keys_of.values() for key in keys}, self.policy.max_block_size
        )
        self._count_names(p for profiles in found.values() for p in profiles)
        for query in queries:
            mine = scored[query.ref]
            for key in keys_of[query.ref]:
                for candidate in found.get(key, ()):
                    if candidate.ref not in mine and candidate.kind is query.profile.kind:
                        mine[candidate.ref] = self._score(query.profile, candidate)

    def _count_names(self, profiles: Iterable[Profile]) -> None:
        """Make the registry frequencies of these candidates' names known to the scorer."""
        wanted = {name for p in profiles for name in frequency_names(p)} - self._known_frequencies
        if wanted:
            self.scorer.frequencies.counts.update(self.source.frequencies(wanted))
            self._known_frequencies |= wanted

    def _decide(self, query: Query, scored: Mapping[int, Scored], owner: Profile | None) -> Decision:
        kind = query.profile.kind
        prior = self.scorer.prior_weight(kind)
        ranked = sorted(scored.values(), key=lambda s: s.weight, reverse=True)
        tin_owner = None if owner is None else owner.ref
        if owner is not None and owner.ref not in scored and owner.kind is kind:
            owner_scored = self._score(query.profile, owner)
            ranked = sorted([*ranked, owner_scored], key=lambda s: s.weight, reverse=True)
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

    def _naming(
        self,
        namesake: Scored,
        ranked: Sequence[Scored],
        probabilities: Sequence[float],
        others: tuple[Candidate, ...],
        kind: PartyKind,
    ) -> tuple[Candidate, ...]:
        """The candidates with the namesake first: named whatever its probability, which the owner's
        TIN agreement holds down."""
        if any(c.taxpayer_id == namesake.ref for c in others):
            return others
        probability = next(p for s, p in zip(ranked, probabilities, strict=True) if s is namesake)
        weight = namesake.weight + self.scorer.prior_weight(kind)
        named = Candidate(namesake.ref, weight, probability, self.scorer.explain(kind, namesake))
        return (named, *others)[: self.policy.max_candidates]

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
                namesake = _namesake(kind, scored, ranked)
                if namesake is not None:
                    explanation |= {
                        "tin": "the home TIN belongs to this taxpayer, whose given name differs, while "
                        f"taxpayer {namesake.ref} agrees on every field",
                        "agrees_on_every_field": namesake.ref,
                    }
                    others = self._naming(namesake, ranked, probabilities, others, kind)
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


def _namesake(kind: PartyKind, owner: Scored, ranked: Sequence[Scored]) -> Scored | None:
    """The best other taxpayer agreeing with the party on every field, when the TIN's owner has
    another given name: a sibling's or a parent's TIN was reported (the issue's conflict)."""
    if not _another_given_name(kind, owner):
        return None
    return next((s for s in ranked if s.ref != owner.ref and _agrees_everywhere(s)), None)


_TIN_NOTES = {
    "absent": "no TIN reported",
    "valid": "a valid home TIN that is not in the registry",
    "invalid": "the reported home TIN breaks its check digits",
    "foreign": "only TINs of other jurisdictions",
}
