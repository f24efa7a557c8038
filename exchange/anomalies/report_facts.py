"""What the DPI and CbC flag rules look at, read set-based from the store and the registries.

- `PlatformYearFacts`: one taxpayer in one reporting year: what every live DPI seller version matched
  to them was paid, per sender, platform and activity, the means-tested benefits of that year (the
  benefit's period is its year in the registry), what the return of the year declares of platform
  income (None without a return) and the property listings with the declarations they matched
  (platform_declared.py).
- `GroupFacts`: one multinational group's live CbC report of one sender and year: its figures per tax
  jurisdiction, and its domestic constituent entities with where they stand against the company
  registry (company_match).

Scope keys: `platform:<taxpayer>:<year>`, `group:<sender>:<year>:<group name>`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Connection, and_, extract, func, select

from exchange.anomalies.platform_declared import DeclaredReturn, ListingFacts, declared_returns, listing_facts
from exchange.reconcile.db_source import chunked
from exchange.reconcile.report_matches import CompanyMatch, SellerMatch
from exchange.registry.models import SocialBenefit
from exchange.states import DocState
from exchange.store.cbc_models import CbcConstituentEntityRow, CbcReportingEntityRow, CbcReportRow
from exchange.store.dpi_models import DpiActivityRow, DpiSellerRow
from exchange.store.models import DocRecord, MessageHeaderRow, PartyNameRow, PartyRow

PLATFORM_SCOPE, GROUP_SCOPE = "platform:", "group:"


def platform_scope(taxpayer_id: int, year: int) -> str:
    return f"{PLATFORM_SCOPE}{taxpayer_id}:{year}"


def group_scope(sender: str, year: int, group: str) -> str:
    return f"{GROUP_SCOPE}{sender}:{year}:{group}"


@dataclass(frozen=True, slots=True)
class PlatformIncome:
    """What one platform (reported by one sender) paid the taxpayer for one activity in the year."""

    sender: str
    platform: str
    activity: str
    consideration: Decimal
    currency: str


@dataclass(frozen=True, slots=True)
class PlatformYearFacts:
    taxpayer_id: int
    year: int
    income: tuple[PlatformIncome, ...]
    benefits: tuple[tuple[str, Decimal], ...]  # (kind, amount) paid in the year
    declared: DeclaredReturn | None = None  # the return of the year; None: no return to judge against
    listings: tuple[ListingFacts, ...] = ()

    @property
    def scope_key(self) -> str:
        return platform_scope(self.taxpayer_id, self.year)

    def in_currency(self, currency: str) -> tuple[PlatformIncome, ...]:
        return tuple(item for item in self.income if item.currency == currency)

    def by_platform(self, currency: str) -> dict[tuple[str, str], Decimal]:
        """The year's total per (sender, platform), in `currency`."""
        totals: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
        for item in self.in_currency(currency):
            totals[(item.sender, item.platform)] += item.consideration
        return dict(totals)


@dataclass(frozen=True, slots=True)
class Jurisdiction:
    country: str
    currency: str
    profit: Decimal
    tax_paid: Decimal
    tax_accrued: Decimal
    employees: int
    assets: Decimal


@dataclass(frozen=True, slots=True)
class ConstituentStanding:
    report_id: int
    position: int
    name: str | None
    decision: str | None  # company_match's decision; None when not reconciled yet


@dataclass(frozen=True, slots=True)
class GroupFacts:
    sender: str
    year: int
    group: str
    jurisdictions: tuple[Jurisdiction, ...]
    domestic_entities: tuple[ConstituentStanding, ...]

    @property
    def scope_key(self) -> str:
        return group_scope(self.sender, self.year, self.group)


_LIVE = DocRecord.state == DocState.CURRENT.value


def platform_years_of_file(connection: Connection, file_id: int | None) -> set[tuple[int, int]]:
    """The (taxpayer, year) pairs the file's sellers (every stored seller, without a file) are matched
    to, and those named by the file's sellers' earlier versions' flags are the same pairs: a scope is a
    taxpayer's year, whichever version names it."""
    year = extract("year", MessageHeaderRow.reporting_period)
    query = (
        select(SellerMatch.taxpayer_id, year)
        .join(DpiSellerRow, DpiSellerRow.id == SellerMatch.seller_id)
        .join(MessageHeaderRow, MessageHeaderRow.file_id == DpiSellerRow.file_id)
        .where(SellerMatch.taxpayer_id.is_not(None))
        .distinct()
    )
    if file_id is not None:
        query = query.where(SellerMatch.file_id == file_id)
    return {
        (int(taxpayer), int(found)) for taxpayer, found in connection.execute(query) if taxpayer is not None
    }


def platform_year_facts(
    connection: Connection, pairs: Collection[tuple[int, int]]
) -> Iterator[PlatformYearFacts]:
    taxpayers = sorted({taxpayer for taxpayer, _ in pairs})
    year = extract("year", MessageHeaderRow.reporting_period)
    platform_name = (
        select(PartyNameRow.full_name)
        .join(PartyRow, PartyRow.id == PartyNameRow.party_id)
        .where(PartyRow.reporting_fi_id == DpiSellerRow.reporting_fi_id, PartyNameRow.position == 0)
        .limit(1)
        .scalar_subquery()
    )
    declared = declared_returns(connection, taxpayers)
    listings = listing_facts(connection, taxpayers, pairs, _LIVE)
    income: dict[tuple[int, int], list[PlatformIncome]] = defaultdict(list)
    benefits: dict[tuple[int, int], list[tuple[str, Decimal]]] = defaultdict(list)
    for batch in chunked(taxpayers):
        query = (
            select(
                SellerMatch.taxpayer_id,
                year,
                DocRecord.sender,
                platform_name,
                DpiActivityRow.activity,
                func.sum(DpiActivityRow.consideration),
                DpiActivityRow.consideration_currency,
            )
            .join(DpiSellerRow, DpiSellerRow.id == SellerMatch.seller_id)
            .join(DocRecord, and_(DocRecord.id == DpiSellerRow.doc_record_id, _LIVE))
            .join(MessageHeaderRow, MessageHeaderRow.file_id == DpiSellerRow.file_id)
            .join(DpiActivityRow, DpiActivityRow.seller_id == DpiSellerRow.id)
            .where(SellerMatch.decision == "match", SellerMatch.taxpayer_id.in_(batch))
            .group_by(
                SellerMatch.taxpayer_id,
                year,
                DocRecord.sender,
                platform_name,
                DpiActivityRow.activity,
                DpiActivityRow.consideration_currency,
            )
        )
        for taxpayer, found, sender, platform, activity, total, currency in connection.execute(query):
            key = (int(taxpayer), int(found))
            if key in pairs:
                income[key].append(
                    PlatformIncome(sender, platform or sender, activity, Decimal(total), currency)
                )
        paid = select(SocialBenefit.taxpayer_id, SocialBenefit.year, SocialBenefit.kind, SocialBenefit.amount)
        for taxpayer, found, kind, amount in connection.execute(
            paid.where(SocialBenefit.taxpayer_id.in_(batch))
        ):
            if (taxpayer, found) in pairs:
                benefits[(taxpayer, found)].append((kind, amount))
    for taxpayer, found in sorted(pairs):
        items = sorted(income.get((taxpayer, found), ()), key=lambda i: (i.sender, i.platform, i.activity))
        yield PlatformYearFacts(
            taxpayer,
            found,
            tuple(items),
            tuple(sorted(benefits.get((taxpayer, found), ()))),
            declared.get((taxpayer, found)),
            tuple(listings.get((taxpayer, found), ())),
        )


def group_keys_of_file(connection: Connection, file_id: int | None) -> set[tuple[str, int, str]]:
    """(sender, year, group name) of the CbC reports of the file (of the store, without a file)."""
    year = extract("year", MessageHeaderRow.reporting_period)
    query = (
        select(DocRecord.sender, year, CbcReportingEntityRow.mne_group_name)
        .join(CbcReportRow, CbcReportRow.doc_record_id == DocRecord.id)
        .join(MessageHeaderRow, MessageHeaderRow.file_id == CbcReportRow.file_id)
        .join(CbcReportingEntityRow, CbcReportingEntityRow.reporting_fi_id == CbcReportRow.reporting_fi_id)
        .distinct()
    )
    if file_id is not None:
        query = query.where(CbcReportRow.file_id == file_id)
    return {(sender, int(found), group or "") for sender, found, group in connection.execute(query)}


def group_facts(
    connection: Connection, keys: Collection[tuple[str, int, str]], home: str
) -> Iterator[GroupFacts]:
    year = extract("year", MessageHeaderRow.reporting_period)
    reports = (
        select(
            DocRecord.sender,
            year,
            CbcReportingEntityRow.mne_group_name,
            CbcReportRow.id,
            CbcReportRow.res_country_code,
            CbcReportRow.currency,
            CbcReportRow.profit_or_loss,
            CbcReportRow.tax_paid,
            CbcReportRow.tax_accrued,
            CbcReportRow.employees,
            CbcReportRow.assets,
        )
        .join(DocRecord, and_(DocRecord.id == CbcReportRow.doc_record_id, _LIVE))
        .join(MessageHeaderRow, MessageHeaderRow.file_id == CbcReportRow.file_id)
        .join(CbcReportingEntityRow, CbcReportingEntityRow.reporting_fi_id == CbcReportRow.reporting_fi_id)
        .where(DocRecord.sender.in_(sorted({sender for sender, _, _ in keys})))
        .order_by(CbcReportRow.res_country_code, CbcReportRow.id)
    )
    jurisdictions: dict[tuple[str, int, str], list[Jurisdiction]] = defaultdict(list)
    domestic_reports: dict[int, tuple[str, int, str]] = {}
    for (
        sender,
        found,
        group,
        report_id,
        country,
        currency,
        profit,
        paid,
        accrued,
        employees,
        assets,
    ) in connection.execute(reports):
        key = (sender, int(found), group or "")
        if key not in keys:
            continue
        jurisdictions[key].append(Jurisdiction(country, currency, profit, paid, accrued, employees, assets))
        if country == home:
            domestic_reports[report_id] = key
    entities: dict[tuple[str, int, str], list[ConstituentStanding]] = defaultdict(list)
    for batch in chunked(sorted(domestic_reports)):
        query = (
            select(
                CbcConstituentEntityRow.report_id,
                CbcConstituentEntityRow.position,
                CbcConstituentEntityRow.name,
                CompanyMatch.decision,
            )
            .outerjoin(
                CompanyMatch,
                and_(
                    CompanyMatch.source == "cbc_entity",
                    CompanyMatch.source_id == CbcConstituentEntityRow.report_id,
                    CompanyMatch.position == CbcConstituentEntityRow.position,
                ),
            )
            .where(CbcConstituentEntityRow.report_id.in_(batch))
            .order_by(CbcConstituentEntityRow.report_id, CbcConstituentEntityRow.position)
        )
        for report_id, position, name, decision in connection.execute(query):
            entities[domestic_reports[report_id]].append(
                ConstituentStanding(report_id, position, name, decision)
            )
    for key in sorted(keys):
        yield GroupFacts(*key, tuple(jurisdictions.get(key, ())), tuple(entities.get(key, ())))
