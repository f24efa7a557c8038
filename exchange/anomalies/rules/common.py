"""Small judgements several flag rules share: who a party confidently is, and whether two
institution names name the same bank."""

from __future__ import annotations

from rapidfuzz import fuzz, utils

from exchange.anomalies.facts import AccountFacts, PartyFacts

# Returns name banks loosely ("ING", "BGL BNP Paribas"); token-set similarity counts a declared name
# whose words all appear in the reported one as the same bank, and tolerates accents and legal forms.
_SAME_INSTITUTION = 85.0


def matched_taxpayer(party: PartyFacts) -> int | None:
    """The taxpayer the reconciliation is confident the party is (a conflict names someone else)."""
    match = party.match
    return match.taxpayer_id if match is not None and match.decision == "match" else None


def same_institution(declared: str, reported: str) -> bool:
    score = fuzz.token_set_ratio(declared, reported, processor=utils.default_process)
    return score >= _SAME_INSTITUTION


def declared_account(account: AccountFacts, institutions: tuple[str, ...]) -> bool:
    """Whether one of the institutions a taxpayer declared in the sender's country is the reporting
    FI; an FI whose identity was refused leaves the country alone to decide."""
    if account.institution is None:
        return bool(institutions)
    return any(same_institution(name, account.institution.name) for name in institutions if name.strip())
