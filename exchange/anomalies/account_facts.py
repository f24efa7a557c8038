"""The facts of live account reports: the current version of each chain, its parties with their match
decisions, and the registry's facts about the taxpayers they were confidently matched to."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from datetime import date

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session, selectinload

from exchange.anomalies.disputed import disputed_of
from exchange.anomalies.facts import (
    AccountFacts,
    InstitutionRef,
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
from exchange.store.models import AccountReportRow, DocRecord, MessageHeaderRow, PartyRow

_CHAINS_PER_PAGE = 500


def account_facts(connection: Connection, chain_ids: Collection[int]) -> Iterator[AccountFacts]:
    """The current version of each chain that still has one (a deleted chain yields nothing)."""
    parties = selectinload(AccountReportRow.parties)
    with Session(bind=connection) as session:
        for batch in chunked(sorted(chain_ids), _CHAINS_PER_PAGE):
            query = (
                select(AccountReportRow)
                .join(AccountReportRow.doc_record)
                .where(DocRecord.chain_id.in_(batch), DocRecord.state == DocState.CURRENT)
                .order_by(DocRecord.chain_id)
                .options(
                    selectinload(AccountReportRow.doc_record),
                    selectinload(AccountReportRow.payments),
                    parties.selectinload(PartyRow.tins),
                    parties.selectinload(PartyRow.residences),
                )
            )
            rows = session.scalars(query).all()
            matches = matches_of(connection, [party.id for row in rows for party in row.parties])
            confident = {m.taxpayer_id for m in matches.values() if m.decision == "match" and m.taxpayer_id}
            registry = registry_records(connection, confident)
            periods = periods_of(connection, {row.file_id for row in rows})
            fis = institution_refs(connection, {r.reporting_fi_id for r in rows if r.reporting_fi_id})
            disputed = disputed_of(connection, [row.id for row in rows])
            for row in rows:
                yield _account(row, periods[row.file_id], matches, registry, fis, disputed.get(row.id, ()))
            session.expunge_all()


def _account(
    row: AccountReportRow,
    period_end: date,
    matches: Mapping[int, MatchFacts],
    registry: Mapping[int, TaxpayerRecord],
    fis: Mapping[int, InstitutionRef],
    record_errors: tuple[int, ...],
) -> AccountFacts:
    doc = row.doc_record
    return AccountFacts(
        chain_id=doc.chain_id,
        account_report_id=row.id,
        doc_ref_id=doc.doc_ref_id,
        file_id=row.file_id,
        sender=doc.sender,
        period_end=period_end,
        balance=None if record_errors else row.balance,
        currency=row.currency,
        parties=tuple(_party(party, matches.get(party.id), registry) for party in row.parties),
        payments=tuple(PaymentFacts(p.type, p.amount, p.currency) for p in row.payments),
        closed=bool(row.closed),
        dormant=bool(row.dormant),
        undocumented=bool(row.undocumented),
        institution=fis.get(row.reporting_fi_id) if row.reporting_fi_id is not None else None,
        record_errors=record_errors,
    )


def _party(row: PartyRow, match: MatchFacts | None, registry: Mapping[int, TaxpayerRecord]) -> PartyFacts:
    confident = match.taxpayer_id if match is not None and match.decision == "match" else None
    return PartyFacts(
        party_id=row.id,
        position=row.position,
        role=row.role,
        kind=row.kind,
        acct_holder_type=row.acct_holder_type,
        tins=tuple(TinFacts(tin.position, tin.value, tin.issued_by) for tin in row.tins),
        residences=tuple(residence.country_code for residence in row.residences),
        match=match,
        taxpayer=registry.get(confident) if confident is not None else None,
    )


def matches_of(connection: Connection, party_ids: Collection[int]) -> dict[int, MatchFacts]:
    found: dict[int, MatchFacts] = {}
    for batch in chunked(sorted(party_ids)):
        query = select(
            PartyMatch.party_id,
            PartyMatch.decision,
            PartyMatch.method,
            PartyMatch.taxpayer_id,
            PartyMatch.probability,
            PartyMatch.candidates,
        ).where(PartyMatch.party_id.in_(batch))
        for party_id, decision, method, taxpayer_id, probability, candidates in connection.execute(query):
            best = (candidates[0]["taxpayer_id"], candidates[0]["probability"]) if candidates else None
            found[party_id] = MatchFacts(decision, method, taxpayer_id, probability, best)
    return found


def periods_of(connection: Connection, file_ids: Collection[int]) -> dict[int, date]:
    """The reporting period (its last day) of each file."""
    found: dict[int, date] = {}
    for batch in chunked(sorted(file_ids)):
        query = select(MessageHeaderRow.file_id, MessageHeaderRow.reporting_period).where(
            MessageHeaderRow.file_id.in_(batch)
        )
        found.update({file_id: period for file_id, period in connection.execute(query)})
    return found
