"""Batched lookups for the validation rules and the writer: a whole file's identifiers in a few
chunked queries, never one query per record."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import islice
from typing import TypeVar

from sqlalchemy import Connection, Engine, func, select, union_all
from sqlalchemy.orm import aliased

from exchange.states import DocState, RecordKind
from exchange.store.cbc_models import CbcAdditionalInfoRow, CbcReportRow
from exchange.store.chains import ChainEntry
from exchange.store.dpi_models import DpiOtherOperatorRow, DpiSellerRow
from exchange.store.models import (
    AccountReportRow,
    DocRecord,
    PoolReportRow,
    ReportingFIRow,
    UsedMessageRefId,
)

# Well under SQLite's bound-parameter limit and PostgreSQL's, and large enough to keep round trips few.
CHUNK = 1000

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class DocRefStatus:
    """A stored version as the rules need it: 80000 if it exists, 80002 if a CorrDocRefId names
    nothing, 80003 if what it names is not `current`."""

    doc_ref_id: str
    kind: RecordKind
    state: DocState
    doc_type_indic: str
    file_id: int


def chunks(values: Iterable[T], size: int = CHUNK) -> Iterator[list[T]]:
    iterator = iter(values)
    while chunk := list(islice(iterator, size)):
        yield chunk


@contextmanager
def _connection(bind: Engine | Connection) -> Iterator[Connection]:
    if isinstance(bind, Connection):
        yield bind
    else:
        with bind.connect() as connection:
            yield connection


def doc_ref_states(
    bind: Engine | Connection, sender: str, doc_ref_ids: Iterable[str]
) -> dict[str, DocRefStatus]:
    """Which of a sender's DocRefIds (or CorrDocRefIds) are stored, and the state of each."""
    found: dict[str, DocRefStatus] = {}
    columns = (
        DocRecord.doc_ref_id,
        DocRecord.kind,
        DocRecord.state,
        DocRecord.doc_type_indic,
        DocRecord.file_id,
    )
    with _connection(bind) as connection:
        for chunk in chunks(set(doc_ref_ids)):
            query = select(*columns).where(DocRecord.sender == sender, DocRecord.doc_ref_id.in_(chunk))
            for row in connection.execute(query):
                found[row.doc_ref_id] = DocRefStatus(*row)
    return found


def used_message_ref_ids(
    bind: Engine | Connection, sender: str, message_ref_ids: Iterable[str]
) -> dict[str, int]:
    """The MessageRefIds a sender already used (50009), each with the id of the file that used it."""
    found: dict[str, int] = {}
    with _connection(bind) as connection:
        for chunk in chunks(set(message_ref_ids)):
            query = select(UsedMessageRefId.message_ref_id, UsedMessageRefId.file_id).where(
                UsedMessageRefId.sender == sender, UsedMessageRefId.message_ref_id.in_(chunk)
            )
            found.update({row.message_ref_id: row.file_id for row in connection.execute(query)})
    return found


def current_reports_under(
    bind: Engine | Connection, sender: str, fi_doc_ref_ids: Iterable[str], limit: int
) -> dict[str, list[str]]:
    """The current AccountReports and PoolReports (DPI: sellers and other operators) stored under each of
    these ReportingFIs (80009).

    A DocRefId counts only if it names a current ReportingFI version of the sender. A report stands under
    it when its current version's row links to a `reporting_fi` row of any version of that chain: the
    first one, a correction, or a resend (whose row names the version it repeats). At most `limit`
    DocRefIds per ReportingFI, oldest first; ReportingFIs with none are left out. One query per chunk.
    """
    if limit < 1:
        return {}
    named, version, report = aliased(DocRecord), aliased(DocRecord), aliased(DocRecord)
    linked = union_all(
        select(AccountReportRow.doc_record_id, AccountReportRow.reporting_fi_id),
        select(PoolReportRow.doc_record_id, PoolReportRow.reporting_fi_id),
        # DPI: a platform operator's sellers and other operators are its reports.
        select(DpiSellerRow.doc_record_id, DpiSellerRow.reporting_fi_id),
        select(DpiOtherOperatorRow.doc_record_id, DpiOtherOperatorRow.reporting_fi_id),
        # CbC: a reporting entity's jurisdiction reports and additional information.
        select(CbcReportRow.doc_record_id, CbcReportRow.reporting_fi_id),
        select(CbcAdditionalInfoRow.doc_record_id, CbcAdditionalInfoRow.reporting_fi_id),
    ).subquery()
    rank = func.row_number().over(partition_by=named.doc_ref_id, order_by=report.id)
    found: dict[str, list[str]] = {}
    with _connection(bind) as connection:
        for chunk in chunks(set(fi_doc_ref_ids)):
            ranked = (
                select(named.doc_ref_id.label("fi"), report.doc_ref_id.label("report"), rank.label("rank"))
                .join(version, version.chain_id == named.chain_id)
                .join(ReportingFIRow, ReportingFIRow.doc_record_id == version.id)
                .join(linked, linked.c.reporting_fi_id == ReportingFIRow.id)
                .join(report, report.id == linked.c.doc_record_id)
                .where(
                    named.sender == sender,
                    named.doc_ref_id.in_(chunk),
                    named.kind == RecordKind.REPORTING_FI,
                    named.state == DocState.CURRENT,
                    report.state == DocState.CURRENT,
                )
                .subquery()
            )
            query = (
                select(ranked.c.fi, ranked.c.report)
                .where(ranked.c.rank <= limit)
                .order_by(ranked.c.fi, ranked.c.rank)
            )
            for row in connection.execute(query):
                found.setdefault(row.fi, []).append(row.report)
    return found


def chain_entries(
    connection: Connection, sender: str, doc_ref_ids: Iterable[str]
) -> Iterator[tuple[str, ChainEntry]]:
    """What the chain resolver needs of stored DocRefIds (the current transaction's rows included)."""
    columns = (DocRecord.id, DocRecord.doc_ref_id, DocRecord.kind, DocRecord.state, DocRecord.chain_id)
    for chunk in chunks(doc_ref_ids):
        query = select(*columns).where(DocRecord.sender == sender, DocRecord.doc_ref_id.in_(chunk))
        for row in connection.execute(query):
            yield row.doc_ref_id, ChainEntry(row.id, row.kind, row.state, row.chain_id, in_database=True)
