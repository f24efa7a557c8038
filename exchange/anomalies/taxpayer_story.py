"""One taxpayer as an analyst reads them: the accounts partners reported about them (the live versions of
the account reports whose holder or controlling person was matched to them), year by year and sender by
sender, beside what their returns declared: total and foreign income by kind and the foreign accounts
named. Read only; the console's taxpayer page shows it (and audits the view).

Reported payments are summed by CRS payment type; the types are set beside the declared kinds they
correspond to (CRS501 dividends, CRS502 interest, CRS503 gross proceeds, CRS504 other: the CRS XML
User Guide's PaymentType list), which is how the DC02 flag compares them too.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Integer, cast, extract, func, select

from exchange.reconcile.models import PartyMatch
from exchange.registry.models import DeclaredForeignAccount, Taxpayer, TaxReturn
from exchange.states import DocState
from exchange.store.models import AccountReportRow, DocRecord, MessageHeaderRow, PartyRow, PaymentRow

# CRS payment types and the declared kind (TaxReturn column) each corresponds to.
PAYMENT_KINDS = {
    "CRS501": "foreign_dividends",
    "CRS502": "foreign_interest",
    "CRS503": "foreign_gains",
    "CRS504": "foreign_other",
}
MATCHED = "match"


def find_taxpayer(connection: Connection, taxpayer_id: int) -> dict[str, Any] | None:
    found = connection.execute(select(Taxpayer.__table__).where(Taxpayer.id == taxpayer_id)).first()
    if found is None:
        return None
    return {
        "id": found.id,
        "country": found.country,
        "national_id": found.national_id,
        "kind": str(found.kind.value if hasattr(found.kind, "value") else found.kind),
        "name": found.organisation_name or " ".join(n for n in (found.given_names, found.family_name) if n),
        "birth_date": found.birth_date,
    }


def reported_accounts(connection: Connection, taxpayer_id: int) -> list[dict[str, Any]]:
    """The live account reports about the taxpayer, newest year first, with their payments by type."""
    year = cast(extract("year", MessageHeaderRow.reporting_period), Integer)
    query = (
        select(
            AccountReportRow.id,
            DocRecord.sender,
            year.label("year"),
            DocRecord.doc_ref_id,
            AccountReportRow.file_id,
            AccountReportRow.account_number,
            AccountReportRow.balance,
            AccountReportRow.currency,
            AccountReportRow.closed,
            PartyRow.role,
        )
        .select_from(PartyMatch)
        .join(PartyRow, PartyRow.id == PartyMatch.party_id)
        .join(AccountReportRow, AccountReportRow.id == PartyRow.account_report_id)
        .join(DocRecord, DocRecord.id == AccountReportRow.doc_record_id)
        .join(MessageHeaderRow, MessageHeaderRow.file_id == AccountReportRow.file_id)
        .where(
            PartyMatch.taxpayer_id == taxpayer_id,
            PartyMatch.decision == MATCHED,
            DocRecord.state == DocState.CURRENT,
        )
        .order_by(year.desc(), DocRecord.sender, DocRecord.doc_ref_id)
    )
    accounts = [dict(row._mapping) for row in connection.execute(query)]
    ids = [account["id"] for account in accounts]
    payments: dict[int, dict[str, Decimal]] = defaultdict(dict)
    if ids:
        paid = (
            select(PaymentRow.account_report_id, PaymentRow.type, func.sum(PaymentRow.amount))
            .where(PaymentRow.account_report_id.in_(ids))
            .group_by(PaymentRow.account_report_id, PaymentRow.type)
        )
        for account_id, kind, amount in connection.execute(paid):
            payments[account_id][kind] = amount
    for account in accounts:
        account["payments"] = payments.get(account["id"], {})
    return accounts


def declared(connection: Connection, taxpayer_id: int) -> dict[int, dict[str, Any]]:
    """The taxpayer's returns by year, each with the foreign accounts it names."""
    returns = {
        row.tax_year: {
            "total_income": row.total_income,
            **{kind: getattr(row, kind) for kind in PAYMENT_KINDS.values()},
            "accounts": [],
        }
        for row in connection.execute(select(TaxReturn.__table__).where(TaxReturn.taxpayer_id == taxpayer_id))
    }
    accounts = select(DeclaredForeignAccount.__table__).where(
        DeclaredForeignAccount.taxpayer_id == taxpayer_id
    )
    for account in connection.execute(accounts):
        if account.tax_year in returns:
            returns[account.tax_year]["accounts"].append(f"{account.country_code}: {account.institution}")
    return returns


def taxpayer_years(connection: Connection, taxpayer_id: int) -> list[dict[str, Any]]:
    """Year by year, newest first: the accounts reported, the payments reported by declared kind, and
    what the return declared."""
    reported = reported_accounts(connection, taxpayer_id)
    returns = declared(connection, taxpayer_id)
    years = sorted({account["year"] for account in reported} | set(returns), reverse=True)
    story = []
    for year in years:
        accounts = [account for account in reported if account["year"] == year]
        by_kind: dict[str, Decimal] = defaultdict(Decimal)
        for account in accounts:
            for kind, amount in account["payments"].items():
                by_kind[PAYMENT_KINDS.get(kind, "foreign_other")] += amount
        story.append(
            {"year": year, "accounts": accounts, "reported": dict(by_kind), "declared": returns.get(year)}
        )
    return story
