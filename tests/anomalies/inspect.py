"""Reading flags back the way the tests compare them: by account DocRefId and by taxpayer."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import Engine, select

from exchange.anomalies.models import Flag
from exchange.registry.models import Taxpayer
from exchange.store.models import AccountReportRow, DocRecord


def codes_by_account(engine: Engine, state: str = "raised") -> dict[str, set[str]]:
    """The codes of the account-scoped flags, by the DocRefId of the chain's first version."""
    first = (
        select(DocRecord.chain_id, DocRecord.doc_ref_id).where(DocRecord.id == DocRecord.chain_id).subquery()
    )
    query = (
        select(first.c.doc_ref_id, Flag.code)
        .join(AccountReportRow, AccountReportRow.id == Flag.account_report_id)
        .join(DocRecord, DocRecord.id == AccountReportRow.doc_record_id)
        .join(first, first.c.chain_id == DocRecord.chain_id)
        .where(Flag.state == state, Flag.scope_key.startswith("account:"))
    )
    found: dict[str, set[str]] = defaultdict(set)
    with engine.connect() as connection:
        for doc_ref_id, code in connection.execute(query):
            found[doc_ref_id].add(code)
    return dict(found)


def codes_by_taxpayer(engine: Engine, state: str = "raised") -> dict[str, set[str]]:
    """The codes of the taxpayer-scoped flags, by national id."""
    query = (
        select(Taxpayer.national_id, Flag.code)
        .join(Taxpayer, Taxpayer.id == Flag.taxpayer_id)
        .where(Flag.state == state, Flag.scope_key.startswith("taxpayer:"))
    )
    found: dict[str, set[str]] = defaultdict(set)
    with engine.connect() as connection:
        for national_id, code in connection.execute(query):
            found[national_id].add(code)
    return dict(found)
