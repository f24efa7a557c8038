"""Judging a balance against a cohort: the taxpayers of the same income band who hold accounts abroad.

The measure is log(foreign balance / declared total income): balances and incomes spread over orders of
magnitude, and the logarithm makes "ten times what the band usually holds" the same distance at every
income. The spread is the median absolute deviation, so a few extreme holders do not hide the others.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from itertools import pairwise

from exchange.anomalies.facts import Cohort

# The consistency constant that makes the MAD estimate a standard deviation for normal data (Iglewicz
# and Hoaglin's modified z-score, where 3.5 is the usual threshold).
_MAD_TO_SIGMA = 0.6745
# An income declared as zero or less still has to divide: one unit of currency keeps the ratio finite.
_INCOME_FLOOR = Decimal(1)


def log_ratio(balance: Decimal, total_income: Decimal) -> float:
    return math.log(float(balance) / float(max(total_income, _INCOME_FLOOR)))


@dataclass(frozen=True, slots=True)
class IncomeBand:
    label: str
    lower: Decimal | None  # inclusive; None: no lower edge
    upper: Decimal | None  # exclusive; None: no upper edge

    def holds(self, total_income: Decimal) -> bool:
        return (self.lower is None or total_income >= self.lower) and (
            self.upper is None or total_income < self.upper
        )


def income_bands(edges: Sequence[Decimal]) -> tuple[IncomeBand, ...]:
    """The bands the ascending edges cut incomes into: "<15000", "15000-30000", ..., ">=150000"."""
    bounds = [None, *edges, None]
    return tuple(IncomeBand(_label(lower, upper), lower, upper) for lower, upper in pairwise(bounds))


def _label(lower: Decimal | None, upper: Decimal | None) -> str:
    if lower is None:
        return "all" if upper is None else f"<{upper}"
    return f">={lower}" if upper is None else f"{lower}-{upper}"


def band_of(total_income: Decimal, edges: Sequence[Decimal]) -> str:
    """The label of the income band the total income falls in."""
    return next(band.label for band in income_bands(edges) if band.holds(total_income))


def cohort_of(band: str, values: Sequence[float]) -> Cohort:
    median = statistics.median(values)
    mad = statistics.median(abs(value - median) for value in values)
    return Cohort(band, len(values), median, mad)


def robust_z(value: float, cohort: Cohort) -> float | None:
    """The modified z-score of a value in its cohort; None when the cohort has no spread to judge by."""
    if cohort.mad == 0:
        return None
    return _MAD_TO_SIGMA * (value - cohort.median) / cohort.mad
