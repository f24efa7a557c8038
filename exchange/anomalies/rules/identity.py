"""Identity flags: who the reported person is, as far as the domestic records can tell."""

from __future__ import annotations

from collections.abc import Iterator

from exchange.anomalies.declarations import About, Hit, Severity, account_rule, money
from exchange.anomalies.facts import AccountFacts
from exchange.anomalies.rules.common import matched_taxpayer
from exchange.registry.identifiers import InvalidIdentifierError, has_rules, identify
from exchange.settings import Settings

# Who a reported person is does not depend on the account's balance.
_IDENTITY_ON_RECORD_ERROR = "Fires all the same, without an amount."


@account_rule(
    About(
        "ID01",
        "person-not-found",
        "A resident whom a partner's bank knows and our registry does not is unregistered here or "
        "reported under an identity we cannot trace, and no return can be checked against the account.",
        Severity.MEDIUM,
        evidence=("role", "kind", "balance", "currency"),
        on_record_error=_IDENTITY_ON_RECORD_ERROR,
    )
)
def person_not_found(account: AccountFacts, settings: Settings) -> Iterator[Hit]:
    for party in account.parties:
        if party.match is not None and party.match.decision == "no_match":
            yield Hit(
                {
                    "role": party.role,
                    "kind": party.kind.value,
                    "balance": money(account.balance),
                    "currency": account.currency,
                    **account.error_evidence(),
                },
                subject=party.subject,
                party_id=party.party_id,
                amount=account.balance,
                currency=account.currency,
            )


@account_rule(
    About(
        "ID02",
        "tin-invalid",
        "A TIN that breaks its issuing country's rules cannot identify anyone: a typo at the bank, or "
        "a number made up to open the account.",
        Severity.LOW,
        evidence=("role", "issued_by", "tin_position", "reason"),
        on_record_error=_IDENTITY_ON_RECORD_ERROR,
    )
)
def tin_invalid(account: AccountFacts, settings: Settings) -> Iterator[Hit]:
    for party in account.parties:
        for tin in party.tins:
            if tin.issued_by is None or not has_rules(tin.issued_by):
                continue  # whether it is valid is for rules this product does not have
            try:
                identify(tin.issued_by, tin.value, party.kind)
            except InvalidIdentifierError as exc:  # its message names the rule broken, not the number
                yield Hit(
                    {
                        "role": party.role,
                        "issued_by": tin.issued_by,
                        "tin_position": tin.position,
                        "reason": str(exc),
                        **account.error_evidence(),
                    },
                    subject=f"{party.subject}-tin{tin.position}",
                    taxpayer_id=matched_taxpayer(party),
                    party_id=party.party_id,
                    amount=account.balance,
                    currency=account.currency,
                )


@account_rule(
    About(
        "ID03",
        "identity-conflict",
        "A home TIN whose owner's name or birth date differ from the reported person's is either a "
        "mistake or an identity borrowed to hide who really holds the account.",
        Severity.HIGH,
        evidence=("role", "owner_probability", "best_candidate", "best_candidate_probability", "balance"),
        on_record_error=_IDENTITY_ON_RECORD_ERROR,
    )
)
def identity_conflict(account: AccountFacts, settings: Settings) -> Iterator[Hit]:
    for party in account.parties:
        match = party.match
        if match is None or match.decision != "conflict":
            continue
        best = match.best_candidate
        yield Hit(
            {
                "role": party.role,
                "owner_probability": match.probability,
                "best_candidate": best[0] if best else None,
                "best_candidate_probability": best[1] if best else None,
                "balance": money(account.balance),
                **account.error_evidence(),
            },
            subject=party.subject,
            taxpayer_id=match.taxpayer_id,  # the TIN's owner: whose identity is in question
            party_id=party.party_id,
            amount=account.balance,
            currency=account.currency,
        )
