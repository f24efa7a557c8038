"""The facts of live account reports: the current version of each chain, its parties with their match
decisions, and the registry's facts about the taxpayers they were confidently matched to.

Set-based: a page of chains is a handful of SQLAlchemy Core queries (the reports, their parties with
their decisions, the parties' TINs and residences, the payments, the disputed balances, then the
registry of the confidently matched), each one indexed read of every row of the page; Python only
groups the rows into facts. No ORM object is built on this path.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterator, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, select

from exchange.anomalies.disputed import disputed_of
from exchange.anomalies.facts import (
    AccountFacts,
    MatchFacts,
    PartyFacts,
    PaymentFacts,
    TaxpayerRecord,
    TinFacts,
)
from exchange.anomalies.fi_identity import institution_refs
from exchange.anomalies.registry_facts import registry_records
from exchange.reconcile.db_source import chunked
from exchange.reconcile.models import PartyMatch
from exchange.states import DocState
from exchange.store.models import (
    AccountReportRow,
    DocRecord,
    MessageHeaderRow,
    PartyResidenceRow,
    PartyRow,
    PartyTinRow,
    PaymentRow,
)
from exchange.store.value_lists import among

# Chains read together: each query of a page binds this many ids, far below either engine's limit.
CHAINS_PER_PAGE = 2000


def account_facts(connection: Connection, chain_ids: Collection[int]) -> Iterator[AccountFacts]:
    """The current version of each chain that still has one (a deleted chain yields nothing), in chain
    order."""
    for page in chunked(sorted(chain_ids), CHAINS_PER_PAGE):
        yield from _page(connection, page)


def _page(connection: Connection, chains: Sequence[int]) -> Iterator[AccountFacts]:
    reports = connection.execute(
        select(
            AccountReportRow.id,
            DocRecord.chain_id,
            DocRecord.doc_ref_id,
            AccountReportRow.file_id,
            DocRecord.sender,
            MessageHeaderRow.reporting_period,
            AccountReportRow.balance,
            AccountReportRow.currency,
            AccountReportRow.closed,
            AccountReportRow.dormant,
            AccountReportRow.undocumented,
            AccountReportRow.reporting_fi_id,
        )
        .join(DocRecord, DocRecord.id == AccountReportRow.doc_record_id)
        .join(MessageHeaderRow, MessageHeaderRow.file_id == AccountReportRow.file_id)
        .where(among(connection, DocRecord.chain_id, chains), DocRecord.state == DocState.CURRENT)
        .order_by(DocRecord.chain_id)
    ).all()
    if not reports:
        return
    report_ids = [row[0] for row in reports]
    parties, confident = _parties(connection, report_ids)
    registry = registry_records(connection, confident)
    fis = institution_refs(connection, {row[11] for row in reports if row[11] is not None})
    disputed = disputed_of(connection, report_ids)
    payments = payments_of(connection, report_ids)
    for (
        report_id, chain_id, doc_ref_id, file_id, sender, period, balance, currency, closed, dormant,
        undocumented, fi_id,
    ) in reports:  # fmt: skip
        errors = disputed.get(report_id, ())
        yield AccountFacts(
            chain_id=chain_id,
            account_report_id=report_id,
            doc_ref_id=doc_ref_id,
            file_id=file_id,
            sender=sender,
            period_end=period,
            balance=None if errors else balance,
            currency=currency,
            parties=tuple(_party(row, registry) for row in parties.get(report_id, ())),
            payments=tuple(payments.get(report_id, ())),
            closed=bool(closed),
            dormant=bool(dormant),
            undocumented=bool(undocumented),
            institution=fis.get(fi_id) if fi_id is not None else None,
            record_errors=errors,
        )


class _PartyRow:
    """A party as its rows describe it, before the registry's facts join it."""

    __slots__ = ("acct_holder_type", "kind", "match", "party_id", "position", "residences", "role", "tins")

    def __init__(self, row: Sequence[Any]) -> None:
        party_id, position, role, kind, holder_type = row[:5]
        decision, method, taxpayer, probability, candidates = row[5:]
        self.party_id: int = party_id
        self.position: int = position
        self.role: str = role
        self.kind = kind
        self.acct_holder_type: str | None = holder_type
        self.match = (
            None
            if decision is None
            else MatchFacts(decision, method, taxpayer, probability, _best(candidates))
        )
        self.tins: list[TinFacts] = []
        self.residences: list[str] = []


def _best(candidates: list[dict[str, Any]] | None) -> tuple[int, float] | None:
    if not candidates:
        return None
    return candidates[0]["taxpayer_id"], candidates[0]["probability"]


def _parties(
    connection: Connection, report_ids: list[int]
) -> tuple[dict[int | None, list[_PartyRow]], set[int]]:
    """The reports' parties in position order with their decisions, TINs and residences; and the
    taxpayers confidently matched among them."""
    by_report: dict[int | None, list[_PartyRow]] = defaultdict(list)
    by_id: dict[int, _PartyRow] = {}
    confident: set[int] = set()
    query = (
        select(
            PartyRow.account_report_id,
            PartyRow.id,
            PartyRow.position,
            PartyRow.role,
            PartyRow.kind,
            PartyRow.acct_holder_type,
            PartyMatch.decision,
            PartyMatch.method,
            PartyMatch.taxpayer_id,
            PartyMatch.probability,
            PartyMatch.candidates,
        )
        .outerjoin(PartyMatch, PartyMatch.party_id == PartyRow.id)
        .where(among(connection, PartyRow.account_report_id, report_ids))
        .order_by(PartyRow.account_report_id, PartyRow.position)
    )
    for report_id, *row in connection.execute(query):
        party = _PartyRow(row)
        by_report[report_id].append(party)
        by_id[party.party_id] = party
        if party.match is not None and party.match.decision == "match" and party.match.taxpayer_id:
            confident.add(party.match.taxpayer_id)
    owned = among(connection, PartyRow.account_report_id, report_ids)
    tins = (
        select(PartyTinRow.party_id, PartyTinRow.position, PartyTinRow.value, PartyTinRow.issued_by)
        .join(PartyRow, PartyRow.id == PartyTinRow.party_id)
        .where(owned)
        .order_by(PartyTinRow.party_id, PartyTinRow.position)
    )
    for party_id, position, value, issued_by in connection.execute(tins):
        by_id[party_id].tins.append(TinFacts(position, value, issued_by))
    residences = (
        select(PartyResidenceRow.party_id, PartyResidenceRow.country_code)
        .join(PartyRow, PartyRow.id == PartyResidenceRow.party_id)
        .where(owned)
        .order_by(PartyResidenceRow.party_id, PartyResidenceRow.position)
    )
    for party_id, country in connection.execute(residences):
        by_id[party_id].residences.append(country)
    return by_report, confident


def _party(row: _PartyRow, registry: Mapping[int, TaxpayerRecord]) -> PartyFacts:
    match = row.match
    confident = match.taxpayer_id if match is not None and match.decision == "match" else None
    return PartyFacts(
        party_id=row.party_id,
        position=row.position,
        role=row.role,
        kind=row.kind,
        acct_holder_type=row.acct_holder_type,
        tins=tuple(row.tins),
        residences=tuple(row.residences),
        match=match,
        taxpayer=registry.get(confident) if confident is not None else None,
    )


def payments_of(connection: Connection, report_ids: Collection[int]) -> dict[int, list[PaymentFacts]]:
    """Each report's payments, in their order in the report."""
    found: dict[int, list[PaymentFacts]] = defaultdict(list)
    for batch in chunked(sorted(report_ids), CHAINS_PER_PAGE):
        query = (
            select(PaymentRow.account_report_id, PaymentRow.type, PaymentRow.amount, PaymentRow.currency)
            .where(among(connection, PaymentRow.account_report_id, batch))
            .order_by(PaymentRow.account_report_id, PaymentRow.position)
        )
        for report_id, kind, amount, currency in connection.execute(query):
            found[report_id].append(PaymentFacts(kind, amount, currency))
    return found
