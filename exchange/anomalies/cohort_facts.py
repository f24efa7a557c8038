"""The cohorts of DC03, from the whole store by aggregate SQL.

A cohort's median and median absolute deviation run over every holder of an income band: in a national
store, millions of rows. The database groups, ranks and counts them; Python reads only the rows around
the middle of each band and computes log(balance / income) for those with the arithmetic of
`exchange.anomalies.cohort`, so a cohort is the one `cohort_of` computes over every holder, at a memory
cost that does not grow with the store.

Why the rows the database picks are the right ones: an amount becomes the same double in SQL as in
Python (correctly rounded on both engines), so ordering by balance / income is ordering by its
logarithm. For the deviation the database orders by max(r / M, M / r) with M = exp(median), which orders
as |log r - median| does up to rounding; the rows rounding could swap are all but equal, and reading a
few rows on either side of the middle (`_WINDOW`) and sorting them in Python settles their order.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Float,
    Integer,
    Select,
    Subquery,
    and_,
    case,
    cast,
    func,
    literal,
    select,
)

from exchange.anomalies.cohort import IncomeBand, band_of, income_bands, log_ratio
from exchange.anomalies.disputed import balance_disputed
from exchange.anomalies.facts import Cohort
from exchange.anomalies.holdings import holdings
from exchange.reconcile.models import PartyMatch
from exchange.registry.models import TaxReturn
from exchange.settings import Settings
from exchange.store.models import AccountReportRow, MessageHeaderRow
from exchange.store.types import AMOUNT_SCALE

_WINDOW = 8  # rows read on each side of a band's middle

# What is taken the median of, from one holder's band index, total income and foreign balance.
Measure = Callable[[int, Decimal, Decimal], float]


class Cohorts:
    """The cohorts of each reporting year an evaluation meets, computed once a year when first needed:
    an evaluation changes flags, never what cohorts are made of."""

    def __init__(self, connection: Connection, settings: Settings) -> None:
        self.connection = connection
        self.settings = settings
        self._years: dict[int, dict[str, Cohort]] = {}

    def of_year(self, year: int) -> dict[str, Cohort]:
        """By band label, the bands that have holders."""
        if year not in self._years:
            self._years[year] = cohorts_in_store(self.connection, year, self.settings)
        return self._years[year]

    def of(self, year: int, total_income: Decimal) -> Cohort | None:
        return self.of_year(year).get(band_of(total_income, self.settings.flag_income_bands))


def cohorts_in_store(connection: Connection, year: int, settings: Settings) -> dict[str, Cohort]:
    """Per income band: the spread of log(foreign balance / total income) among the holders with a
    return that year and a positive balance in the flag currency."""
    bands = income_bands(settings.flag_income_bands)
    holders = _holders(year, bands, settings.flag_currency).subquery()
    ratio = _ratio(connection.dialect.name, holders)
    medians = _middles(connection, holders, ratio, lambda _, income, balance: log_ratio(balance, income))
    if not medians:
        return {}
    pivot = case(*((holders.c.band == band, math.exp(median)) for band, (_, median) in medians.items()))
    distance = case((ratio >= pivot, ratio / pivot), else_=pivot / ratio)

    def deviation(band: int, income: Decimal, balance: Decimal) -> float:
        return abs(log_ratio(balance, income) - medians[band][1])

    mads = _middles(connection, holders, distance, deviation)
    return {
        bands[band].label: Cohort(bands[band].label, size, median, mads[band][1])
        for band, (size, median) in sorted(medians.items())
    }


def _holders(year: int, bands: Sequence[IncomeBand], currency: str) -> Select[Any]:
    """One row per holder: band index, total income, and the sum of their balances, when positive. A
    balance a record error disputes is left out, as `TaxpayerYearFacts.balances` leaves it out."""
    total = func.sum(AccountReportRow.balance)
    return (
        holdings()
        .add_columns(
            _band_index(bands).label("band"),
            TaxReturn.total_income.label("income"),
            total.label("balance"),
        )
        .join(TaxReturn, and_(TaxReturn.taxpayer_id == PartyMatch.taxpayer_id, TaxReturn.tax_year == year))
        .where(
            MessageHeaderRow.reporting_period.between(date(year, 1, 1), date(year, 12, 31)),
            AccountReportRow.currency == currency,
            ~balance_disputed(),
        )
        .group_by(PartyMatch.taxpayer_id, TaxReturn.total_income)
        .having(total > 0)
    )


def _band_index(bands: Sequence[IncomeBand]) -> ColumnElement[int]:
    """The band of the total income, as `IncomeBand.holds` decides it: the first upper edge above it."""
    uppers = [
        (TaxReturn.total_income < band.upper, index)
        for index, band in enumerate(bands)
        if band.upper is not None
    ]
    return case(*uppers, else_=len(bands) - 1) if uppers else literal(0, Integer)


def _ratio(dialect: str, holders: Subquery) -> ColumnElement[float]:
    """balance / max(income, 1), as `cohort.log_ratio` computes it before taking the logarithm."""
    income = _as_float(dialect, holders.c.income)
    return _as_float(dialect, holders.c.balance) / case((income < 1.0, 1.0), else_=income)


def _as_float(dialect: str, amount: ColumnElement[Decimal]) -> ColumnElement[float]:
    """The double Python's float() makes of the amount. SQLite stores hundredths (store.types.Amount):
    an exact integer divided by 100 rounds to the same double as the decimal amount does."""
    value: ColumnElement[float] = cast(amount, Float)
    return value / float(10**AMOUNT_SCALE) if dialect == "sqlite" else value


def _middles(
    connection: Connection, holders: Subquery, key: ColumnElement[float], measure: Measure
) -> dict[int, tuple[int, float]]:
    """Per band: its size and the median of `measure`, from the rows around the middle of `key`'s order."""
    ranked = select(
        holders.c.band,
        holders.c.income,
        holders.c.balance,
        func.row_number().over(partition_by=holders.c.band, order_by=key).label("position"),
        func.count().over(partition_by=holders.c.band).label("size"),
    ).subquery()
    # The middle 0-based positions p of n rows, (n - 1) // 2 and n // 2, are those with n - 2 <= 2p <= n.
    twice = 2 * (ranked.c.position - 1)
    query = (
        select(ranked.c.band, ranked.c.size, ranked.c.position, ranked.c.income, ranked.c.balance)
        .where(twice >= ranked.c.size - 2 - 2 * _WINDOW, twice <= ranked.c.size + 2 * _WINDOW)
        .order_by(ranked.c.band, ranked.c.position)
    )
    values: dict[int, list[float]] = defaultdict(list)
    sizes: dict[int, tuple[int, int]] = {}  # band: (size, 0-based position of its first row read)
    for band, size, position, income, balance in connection.execute(query):
        sizes.setdefault(band, (size, position - 1))
        values[band].append(measure(band, income, balance))
    return {band: (size, _median(sorted(values[band]), size, first)) for band, (size, first) in sizes.items()}


def _median(middle: list[float], size: int, first: int) -> float:
    """The median of `size` values, as `statistics.median` computes it, from those at `first` onwards."""
    low, high = (size - 1) // 2 - first, size // 2 - first
    return middle[low] if low == high else (middle[low] + middle[high]) / 2
