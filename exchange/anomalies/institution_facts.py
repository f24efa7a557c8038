"""The facts of a reporting institution's year: how many of its account reports were new, corrections
and deletions, across every file its sender sent."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterator

from sqlalchemy import Connection, func, select

from exchange.anomalies.facts import InstitutionFacts, InstitutionRef
from exchange.anomalies.fi_identity import institution_refs
from exchange.reconcile.db_source import chunked
from exchange.records import DocAction, FIRole, doc_action
from exchange.store.models import AccountReportRow, DocRecord, MessageHeaderRow, ReportingFIRow
from exchange.store.value_lists import among

Institution = tuple[str, str, int]  # (sender, institution key, reporting year)


def reporting_fis(connection: Connection, senders: Collection[str]) -> dict[int, tuple[str, InstitutionRef]]:
    """Every ReportingFI row of these senders: (sender, institution) by row id."""
    query = (
        select(ReportingFIRow.id, DocRecord.sender)
        .join(DocRecord, DocRecord.id == ReportingFIRow.doc_record_id)
        .where(DocRecord.sender.in_(sorted(senders)), ReportingFIRow.role == FIRole.REPORTING_FI)
    )
    senders_of: dict[int, str] = {fi_id: sender for fi_id, sender in connection.execute(query)}
    refs = institution_refs(connection, senders_of.keys())
    return {fi_id: (senders_of[fi_id], ref) for fi_id, ref in refs.items()}


def institution_facts(connection: Connection, wanted: Collection[Institution]) -> Iterator[InstitutionFacts]:
    fis = reporting_fis(connection, {sender for sender, _, _ in wanted})
    keys = {(sender, key) for sender, key, _ in wanted}
    ids = [fi_id for fi_id, (sender, ref) in fis.items() if (sender, ref.key) in keys]
    names = {(sender, ref.key): ref.name for sender, ref in fis.values()}
    counts: Counter[tuple[Institution, DocAction]] = Counter()
    for batch in chunked(sorted(ids)):
        query = (
            select(
                AccountReportRow.reporting_fi_id,
                DocRecord.doc_type_indic,
                MessageHeaderRow.reporting_period,
                func.count(),
            )
            .join(DocRecord, DocRecord.id == AccountReportRow.doc_record_id)
            .join(MessageHeaderRow, MessageHeaderRow.file_id == AccountReportRow.file_id)
            .where(among(connection, AccountReportRow.reporting_fi_id, batch))
            .group_by(
                AccountReportRow.reporting_fi_id, DocRecord.doc_type_indic, MessageHeaderRow.reporting_period
            )
        )
        for fi_id, indic, period, count in connection.execute(query):
            action = doc_action(indic)
            if fi_id is not None and action is not None:
                sender, ref = fis[fi_id]
                counts[((sender, ref.key, period.year), action)] += count
    for sender, key, year in sorted(wanted):
        yield InstitutionFacts(
            sender,
            key,
            names.get((sender, key), ""),
            year,
            new=counts[((sender, key, year), DocAction.NEW)],
            corrections=counts[((sender, key, year), DocAction.CORRECTION)],
            deletions=counts[((sender, key, year), DocAction.DELETION)],
        )
