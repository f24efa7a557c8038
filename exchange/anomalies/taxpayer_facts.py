"""The facts of a taxpayer's reporting year: every live account they hold across senders, the
registry's facts about them, and the cohort of their income band."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterator
from typing import Any

from sqlalchemy import Connection

from exchange.anomalies.account_facts import CHAINS_PER_PAGE, payments_of
from exchange.anomalies.cohort_facts import Cohorts
from exchange.anomalies.disputed import disputed_of
from exchange.anomalies.facts import Cohort, HeldAccount, TaxpayerYearFacts
from exchange.anomalies.fi_identity import institution_refs
from exchange.anomalies.holdings import holdings
from exchange.anomalies.registry_facts import registry_records
from exchange.reconcile.db_source import chunked
from exchange.reconcile.models import PartyMatch
from exchange.settings import Settings
from exchange.store.models import AccountReportRow, DocRecord, MessageHeaderRow
from exchange.store.value_lists import among


def taxpayer_year_facts(
    connection: Connection,
    pairs: Collection[tuple[int, int]],
    settings: Settings,
    cohorts: Cohorts | None = None,
) -> Iterator[TaxpayerYearFacts]:
    """Facts for each (taxpayer id, reporting year); a taxpayer no longer in the registry yields none.
    Pass the evaluation's `cohorts` so that each year's are computed once, not once a batch."""
    if cohorts is None:
        cohorts = Cohorts(connection, settings)
    for batch in chunked(sorted(pairs), CHAINS_PER_PAGE):
        ids = {taxpayer_id for taxpayer_id, _ in batch}
        registry = registry_records(connection, ids)
        held = held_accounts(connection, ids)
        for taxpayer_id, year in batch:
            record = registry.get(taxpayer_id)
            if record is None:
                continue
            tax_return = record.returns.get(year)
            cohort = cohorts.of(year, tax_return.total_income) if tax_return is not None else None
            yield TaxpayerYearFacts(record, year, tuple(held.get((taxpayer_id, year), ())), cohort)


def held_accounts(
    connection: Connection, taxpayer_ids: Collection[int]
) -> dict[tuple[int, int], list[HeldAccount]]:
    """The live accounts each taxpayer holds, by (taxpayer id, reporting year)."""
    rows: list[Any] = []
    for batch in chunked(sorted(taxpayer_ids), CHAINS_PER_PAGE):
        query = (
            holdings()
            .add_columns(
                AccountReportRow.id,
                DocRecord.chain_id,
                DocRecord.sender,
                AccountReportRow.balance,
                AccountReportRow.currency,
                AccountReportRow.reporting_fi_id,
                MessageHeaderRow.reporting_period,
            )
            .where(among(connection, PartyMatch.taxpayer_id, batch))
            .order_by(DocRecord.chain_id)
        )
        rows.extend(connection.execute(query).all())
    payments = payments_of(connection, [row[1] for row in rows])
    fis = institution_refs(connection, {row[6] for row in rows if row[6] is not None})
    disputed = disputed_of(connection, [row[1] for row in rows])
    held: dict[tuple[int, int], list[HeldAccount]] = defaultdict(list)
    for taxpayer_id, report_id, chain_id, sender, balance, currency, fi_id, period in rows:
        errors = disputed.get(report_id, ())
        held[(taxpayer_id, period.year)].append(
            HeldAccount(
                chain_id,
                report_id,
                sender,
                None if errors else balance,
                currency,
                tuple(payments.get(report_id, ())),
                fis.get(fi_id) if fi_id is not None else None,
                errors,
            )
        )
    return held


def cohorts_of_years(
    connection: Connection, years: Collection[int], settings: Settings
) -> dict[tuple[int, str], Cohort]:
    """Per (year, income band): the spread of log(foreign balance / total income) among the holders
    with a return that year. Computed from the whole store, so it is as current as the data."""
    cohorts = Cohorts(connection, settings)
    return {(year, band): cohort for year in sorted(years) for band, cohort in cohorts.of_year(year).items()}
