"""The facts of a taxpayer's reporting year: every live account they hold across senders, the
registry's facts about them, and the cohort of their income band."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterator
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Select, and_, func, select

from exchange.anomalies.cohort import band_of, cohort_of, log_ratio
from exchange.anomalies.facts import Cohort, HeldAccount, PaymentFacts, TaxpayerYearFacts
from exchange.anomalies.fi_identity import institution_refs
from exchange.anomalies.registry_facts import registry_records
from exchange.reconcile.db_source import chunked
from exchange.reconcile.models import PartyMatch
from exchange.registry.models import TaxReturn
from exchange.settings import Settings
from exchange.states import DocState
from exchange.store.models import AccountReportRow, DocRecord, MessageHeaderRow, PartyRow, PaymentRow


def taxpayer_year_facts(
    connection: Connection, pairs: Collection[tuple[int, int]], settings: Settings
) -> Iterator[TaxpayerYearFacts]:
    """Facts for each (taxpayer id, reporting year); a taxpayer no longer in the registry yields none."""
    cohorts = cohorts_of_years(connection, {year for _, year in pairs}, settings)
    for batch in chunked(sorted(pairs)):
        ids = {taxpayer_id for taxpayer_id, _ in batch}
        registry = registry_records(connection, ids)
        held = held_accounts(connection, ids)
        for taxpayer_id, year in batch:
            record = registry.get(taxpayer_id)
            if record is None:
                continue
            tax_return = record.returns.get(year)
            cohort = None
            if tax_return is not None:
                cohort = cohorts.get((year, band_of(tax_return.total_income, settings.flag_income_bands)))
            yield TaxpayerYearFacts(record, year, tuple(held.get((taxpayer_id, year), ())), cohort)


def _holdings() -> Select[Any]:
    """Live account reports with the taxpayer their holder is confidently matched to."""
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


def held_accounts(
    connection: Connection, taxpayer_ids: Collection[int]
) -> dict[tuple[int, int], list[HeldAccount]]:
    """The live accounts each taxpayer holds, by (taxpayer id, reporting year)."""
    rows: list[Any] = []
    for batch in chunked(sorted(taxpayer_ids)):
        query = (
            _holdings()
            .add_columns(
                AccountReportRow.id,
                DocRecord.chain_id,
                DocRecord.sender,
                AccountReportRow.balance,
                AccountReportRow.currency,
                AccountReportRow.reporting_fi_id,
                MessageHeaderRow.reporting_period,
            )
            .where(PartyMatch.taxpayer_id.in_(batch))
            .order_by(DocRecord.chain_id)
        )
        rows.extend(connection.execute(query).all())
    payments = _payments(connection, [row[1] for row in rows])
    fis = institution_refs(connection, {row[6] for row in rows if row[6] is not None})
    held: dict[tuple[int, int], list[HeldAccount]] = defaultdict(list)
    for taxpayer_id, report_id, chain_id, sender, balance, currency, fi_id, period in rows:
        held[(taxpayer_id, period.year)].append(
            HeldAccount(
                chain_id,
                report_id,
                sender,
                balance,
                currency,
                tuple(payments.get(report_id, ())),
                fis.get(fi_id) if fi_id is not None else None,
            )
        )
    return held


def _payments(connection: Connection, report_ids: list[int]) -> dict[int, list[PaymentFacts]]:
    found: dict[int, list[PaymentFacts]] = defaultdict(list)
    for batch in chunked(sorted(report_ids)):
        query = (
            select(PaymentRow.account_report_id, PaymentRow.type, PaymentRow.amount, PaymentRow.currency)
            .where(PaymentRow.account_report_id.in_(batch))
            .order_by(PaymentRow.account_report_id, PaymentRow.position)
        )
        for report_id, kind, amount, currency in connection.execute(query):
            found[report_id].append(PaymentFacts(kind, amount, currency))
    return found


def cohorts_of_years(
    connection: Connection, years: Collection[int], settings: Settings
) -> dict[tuple[int, str], Cohort]:
    """Per (year, income band): the spread of log(foreign balance / total income) among the holders
    with a return that year. Computed from the whole store, so it is as current as the data."""
    cohorts: dict[tuple[int, str], Cohort] = {}
    for year in sorted(years):
        values: dict[str, list[float]] = defaultdict(list)
        for income, balance in _balances_and_incomes(connection, year, settings.flag_currency):
            if balance > 0:
                values[band_of(income, settings.flag_income_bands)].append(log_ratio(balance, income))
        for band, members in values.items():
            cohorts[(year, band)] = cohort_of(band, members)
    return cohorts


def _balances_and_incomes(connection: Connection, year: int, currency: str) -> list[tuple[Decimal, Decimal]]:
    total = func.sum(AccountReportRow.balance)
    query = (
        _holdings()
        .add_columns(TaxReturn.total_income, total)
        .join(TaxReturn, and_(TaxReturn.taxpayer_id == PartyMatch.taxpayer_id, TaxReturn.tax_year == year))
        .where(
            MessageHeaderRow.reporting_period.between(date(year, 1, 1), date(year, 12, 31)),
            AccountReportRow.currency == currency,
        )
        .group_by(PartyMatch.taxpayer_id, TaxReturn.total_income)
    )
    return [(income, balance) for _, income, balance in connection.execute(query)]
