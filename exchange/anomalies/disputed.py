"""Which stored balances a record error disputes (`record_errors`), as the flags read them.

A finding names its records by DocRefId, in a JSON list. Reading those lists for every account the
flags look at would search a file's findings once per record; instead an evaluation first writes the
disputed balances of its file (of the whole store, for a full evaluation) into `disputed_balance`, one
INSERT ... SELECT that unnests the lists of the few findings with a balance code, and every later
look-up is by account report id. Writing is idempotent: a balance already noted is not noted again.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection

from sqlalchemy import Connection, and_, exists, insert, select, true
from sqlalchemy.sql import func
from sqlalchemy.sql.selectable import Exists, TableValuedAlias

from exchange.anomalies.models import DisputedBalance
from exchange.anomalies.record_errors import BALANCE_ERROR_CODES
from exchange.reconcile.db_source import chunked
from exchange.store.models import AccountReportRow, DocRecord, FindingRow
from exchange.store.value_lists import among


def note_disputed_balances(connection: Connection, file_id: int | None = None) -> int:
    """Note the balances the file's findings dispute (every file's, without `file_id`); how many rows
    were added."""
    elements = _doc_ref_ids(connection.dialect.name)
    found = (
        select(AccountReportRow.id, FindingRow.code)
        .select_from(FindingRow)
        .join(elements, true())
        .join(
            DocRecord,
            and_(DocRecord.doc_ref_id == elements.c.value, DocRecord.file_id == FindingRow.file_id),
        )
        .join(AccountReportRow, AccountReportRow.doc_record_id == DocRecord.id)
        .where(
            FindingRow.code.in_(BALANCE_ERROR_CODES),
            ~exists().where(
                DisputedBalance.account_report_id == AccountReportRow.id,
                DisputedBalance.code == FindingRow.code,
            ),
        )
        .distinct()
    )
    if file_id is not None:
        found = found.where(FindingRow.file_id == file_id)
    result = connection.execute(insert(DisputedBalance).from_select(["account_report_id", "code"], found))
    return max(result.rowcount, 0)


def _doc_ref_ids(dialect: str) -> TableValuedAlias:
    """The DocRefIds of a finding, one row each (column `value`): each engine unnests JSON its way."""
    if dialect == "postgresql":
        unnest = func.json_array_elements_text(FindingRow.doc_ref_ids)
        return unnest.table_valued("value", joins_implicitly=True).render_derived(name="doc_ref")
    return func.json_each(FindingRow.doc_ref_ids).table_valued("value", joins_implicitly=True)


def disputed_of(connection: Connection, account_report_ids: Collection[int]) -> dict[int, tuple[int, ...]]:
    """The codes that dispute each report's balance, for the reports that have any."""
    found: dict[int, set[int]] = defaultdict(set)
    for batch in chunked(sorted(account_report_ids)):
        query = select(DisputedBalance.account_report_id, DisputedBalance.code).where(
            among(connection, DisputedBalance.account_report_id, batch)
        )
        for report_id, code in connection.execute(query):
            found[report_id].add(code)
    return {report_id: tuple(sorted(codes)) for report_id, codes in found.items()}


def balance_disputed() -> Exists:
    """True for an `account_report` row whose balance a record error disputes (correlated)."""
    return exists().where(DisputedBalance.account_report_id == AccountReportRow.id)
