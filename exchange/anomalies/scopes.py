"""What an evaluation looks at: the account chains, taxpayer years and institution years a file
touches (or, for a full evaluation, all of them), each named by the scope key its flags carry."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

from sqlalchemy import Connection, select

from exchange.anomalies.facts import account_scope, institution_scope, taxpayer_scope
from exchange.anomalies.fi_identity import institution_refs
from exchange.anomalies.institution_facts import Institution, reporting_fis
from exchange.anomalies.models import Flag
from exchange.reconcile.db_source import chunked
from exchange.reconcile.models import PartyMatch
from exchange.records import FIRole
from exchange.states import RecordKind
from exchange.store.models import (
    AccountReportRow,
    DocRecord,
    MessageHeaderRow,
    PartyRow,
    ReceivedFile,
    ReportingFIRow,
)


@dataclass
class Scopes:
    chains: set[int] = field(default_factory=set)
    taxpayer_years: set[tuple[int, int]] = field(default_factory=set)
    institutions: set[Institution] = field(default_factory=set)

    def keys(self) -> set[str]:
        return (
            {account_scope(chain) for chain in self.chains}
            | {taxpayer_scope(taxpayer, year) for taxpayer, year in self.taxpayer_years}
            | {institution_scope(*institution) for institution in self.institutions}
        )


def scopes_of_file(connection: Connection, file_id: int) -> Scopes:
    """The chains the file's account reports belong to (a correction or deletion names an older
    chain), the taxpayer years of anyone matched in any version of those chains, and the file's FIs."""
    chains = set(
        connection.execute(
            select(DocRecord.chain_id)
            .join(AccountReportRow, AccountReportRow.doc_record_id == DocRecord.id)
            .where(AccountReportRow.file_id == file_id)
            .distinct()
        ).scalars()
    )
    scopes = Scopes(chains=chains)
    scopes.taxpayer_years |= _taxpayer_years_of_chains(connection, chains)
    scopes.taxpayer_years |= _taxpayer_years_of_flags(connection, {account_scope(c) for c in chains})
    scopes.institutions |= _institutions_of_file(connection, file_id)
    return scopes


def all_scopes(connection: Connection) -> Scopes:
    """Every chain, taxpayer year and institution year in the store, and those of every raised flag
    (so a flag whose subject no longer exists is retracted too)."""
    chains = set(
        connection.execute(
            select(DocRecord.chain_id).where(DocRecord.kind == RecordKind.ACCOUNT_REPORT).distinct()
        ).scalars()
    )
    scopes = Scopes(chains=chains)
    scopes.taxpayer_years |= _taxpayer_years_of_chains(connection, chains)
    raised = connection.execute(
        select(Flag.scope_key, Flag.taxpayer_id, Flag.reporting_year, Flag.sender, Flag.institution).where(
            Flag.state == "raised"
        )
    ).all()
    for scope_key, taxpayer_id, year, sender, institution in raised:
        if scope_key.startswith("taxpayer:") and taxpayer_id is not None and year is not None:
            scopes.taxpayer_years.add((taxpayer_id, year))
        elif scope_key.startswith("institution:") and sender and institution and year is not None:
            scopes.institutions.add((sender, institution, year))
    senders = set(connection.execute(select(DocRecord.sender).distinct()).scalars())
    years = _years_of_fis(connection)
    for fi_id, (sender, ref) in reporting_fis(connection, senders).items():
        scopes.institutions |= {(sender, ref.key, year) for year in years.get(fi_id, ())}
    return scopes


def _taxpayer_years_of_chains(connection: Connection, chains: Collection[int]) -> set[tuple[int, int]]:
    found: set[tuple[int, int]] = set()
    for batch in chunked(sorted(chains)):
        query = (
            select(PartyMatch.taxpayer_id, MessageHeaderRow.reporting_period)
            .join(PartyRow, PartyRow.id == PartyMatch.party_id)
            .join(AccountReportRow, AccountReportRow.id == PartyRow.account_report_id)
            .join(DocRecord, DocRecord.id == AccountReportRow.doc_record_id)
            .join(MessageHeaderRow, MessageHeaderRow.file_id == AccountReportRow.file_id)
            .where(DocRecord.chain_id.in_(batch), PartyMatch.taxpayer_id.is_not(None))
            .distinct()
        )
        found |= {(tid, period.year) for tid, period in connection.execute(query) if tid is not None}
    return found


def _taxpayer_years_of_flags(connection: Connection, scope_keys: Collection[str]) -> set[tuple[int, int]]:
    """Taxpayers the chains' flags named, though a rematch may since have named someone else."""
    found: set[tuple[int, int]] = set()
    for batch in chunked(sorted(scope_keys)):
        query = select(Flag.taxpayer_id, Flag.reporting_year).where(
            Flag.scope_key.in_(batch), Flag.taxpayer_id.is_not(None), Flag.reporting_year.is_not(None)
        )
        found |= {
            (tid, year) for tid, year in connection.execute(query) if tid is not None and year is not None
        }
    return found


def _institutions_of_file(connection: Connection, file_id: int) -> set[Institution]:
    query = (
        select(ReportingFIRow.id, ReceivedFile.sender, MessageHeaderRow.reporting_period)
        .join(ReceivedFile, ReceivedFile.id == ReportingFIRow.file_id)
        .join(MessageHeaderRow, MessageHeaderRow.file_id == ReportingFIRow.file_id)
        .where(ReportingFIRow.file_id == file_id, ReportingFIRow.role == FIRole.REPORTING_FI)
    )
    rows = connection.execute(query).all()
    refs = institution_refs(connection, [fi_id for fi_id, _, _ in rows])
    return {(sender, refs[fi_id].key, period.year) for fi_id, sender, period in rows if fi_id in refs}


def _years_of_fis(connection: Connection) -> dict[int, set[int]]:
    query = select(ReportingFIRow.id, MessageHeaderRow.reporting_period).join(
        MessageHeaderRow, MessageHeaderRow.file_id == ReportingFIRow.file_id
    )
    years: dict[int, set[int]] = {}
    for fi_id, period in connection.execute(query):
        years.setdefault(fi_id, set()).add(period.year)
    return years
