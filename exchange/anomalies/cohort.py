"""Judging a balance against a cohort: the taxpayers of the same income band who hold accounts abroad.

The measure is log(foreign balance / declared total income): balances and incomes spread over orders of
magnitude, and the logarithm makes "ten times what the band usually holds" the same distance at every
income. The spread is the median absolute deviation, so a few extreme holders do not hide the others.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from decimal import Decimal

from exchange.anomalies.facts import Cohort

# The consistency constant that makes the MAD estimate a standard deviation for normal data (Iglewicz
# and Hoaglin's modified z-score, where 3.5 is the usual threshold).
_MAD_TO_SIGMA = 0.6745
# An income declared as zero or less still has to divide: one unit of currency keeps the ratio finite.
_INCOME_FLOOR = Decimal(1)


def log_ratio(balance: Decimal, total_income: Decimal) -> float:
    return math.log(float(balance) / float(max(total_income, _INCOME_FLOOR)))


def band_of(total_income: Decimal, edges: Sequence[Decimal]) -> str:
    """The label of the income band, by the ascending edges: "<15000", "15000-30000", ">=150000"."""
    lower: Decimal | None = None
    for edge in edges:
        if total_income < edge:
            return f"<{edge}" if lower is None else f"{lower}-{edge}"
        lower = edge
    return f">={lower}" if lower is not None else "all"


def cohort_of(band: str, values: Sequence[float]) -> Cohort:
    median = statistics.median(values)
    mad = statistics.median(abs(value - median) for value in values)
    return Cohort(band, len(values), median, mad)


def robust_z(value: float, cohort: Cohort) -> float | None:
    """The modified z-score of a value in its cohort; None when the cohort has no spread to judge by."""
    if cohort.mad == 0:
        return None
    return _MAD_TO_SIGMA * (value - cohort.median) / cohort.mad
