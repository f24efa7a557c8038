"""Live account reports with the taxpayer their holder is confidently matched to: what a taxpayer's year
and the cohorts of DC03 are made of."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select

from exchange.reconcile.models import PartyMatch
from exchange.states import DocState
from exchange.store.models import AccountReportRow, DocRecord, MessageHeaderRow, PartyRow


def holdings() -> Select[Any]:
    """The matched taxpayer of each live account report's holder; add the columns you need."""
    return (
        select(PartyMatch.taxpayer_id)
        .select_from(PartyMatch)
        .join(PartyRow, PartyRow.id == PartyMatch.party_id)
        .join(AccountReportRow, AccountReportRow.id == PartyRow.account_report_id)
        .join(DocRecord, DocRecord.id == AccountReportRow.doc_record_id)
        .join(MessageHeaderRow, MessageHeaderRow.file_id == AccountReportRow.file_id)
        .where(
            PartyMatch.decision == "match",
            PartyRow.position == 0,
            DocRecord.state == DocState.CURRENT,
        )
    )
