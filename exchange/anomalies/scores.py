"""A taxpayer's flags combined into one risk score, from 0 to 100.

Each raised flag counts as an independent chance, its points out of 100, that something is wrong; the
score is the chance that at least one is: 100 * (1 - prod(1 - points/100)). More flags always raise the
score, a single high flag outweighs several low ones, and no pile of flags passes 100.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, Table, delete, insert, select
from sqlalchemy.orm import Session

from exchange.anomalies.declarations import Severity
from exchange.anomalies.models import Flag, TaxpayerRisk
from exchange.reconcile.db_source import chunked
from exchange.store.value_lists import among

_SEVERITY_ORDER = [Severity.LOW.value, Severity.MEDIUM.value, Severity.HIGH.value]

# Scores are written through the table: the ORM bulk insert inspects a mapping per row.
_RISK: Table = TaxpayerRisk.__table__  # type: ignore[assignment]


@dataclass(frozen=True, slots=True)
class RiskScore:
    taxpayer_id: int
    score: float
    flags: int
    max_severity: str | None


def combined_score(points: Iterable[int]) -> float:
    missed = math.prod(1 - min(max(p, 0), 100) / 100 for p in points)
    return round(100 * (1 - missed), 1)


def highest(severities: Iterable[str]) -> str | None:
    ranked = [s for s in severities if s in _SEVERITY_ORDER]
    return max(ranked, key=_SEVERITY_ORDER.index) if ranked else None


def refresh_risk(
    connection: Connection, taxpayer_ids: Collection[int], now: datetime | None = None
) -> dict[int, RiskScore]:
    """Recompute the scores of these taxpayers from their raised flags; one without flags has none.
    An evaluation passes its own `now`: refreshing a taxpayer again later in it writes the same row."""
    scores: dict[int, RiskScore] = {}
    now = now or datetime.now(UTC)
    for batch in chunked(sorted(taxpayer_ids)):
        raised: dict[int, list[tuple[str, int]]] = defaultdict(list)
        query = select(Flag.taxpayer_id, Flag.severity, Flag.score).where(
            among(connection, Flag.taxpayer_id, batch), Flag.state == "raised"
        )
        for taxpayer_id, severity, points in connection.execute(query):
            if taxpayer_id is not None:
                raised[taxpayer_id].append((severity, points))
        connection.execute(delete(TaxpayerRisk).where(among(connection, TaxpayerRisk.taxpayer_id, batch)))
        batch_scores = {
            taxpayer_id: RiskScore(
                taxpayer_id,
                combined_score(points for _, points in raised[taxpayer_id]),
                len(raised[taxpayer_id]),
                highest(severity for severity, _ in raised[taxpayer_id]),
            )
            for taxpayer_id in batch
        }
        scores.update(batch_scores)
        rows = [
            {
                "taxpayer_id": s.taxpayer_id,
                "score": s.score,
                "flags": s.flags,
                "max_severity": s.max_severity,
                "updated_at": now,
            }
            for s in batch_scores.values()
            if s.flags
        ]
        if rows:
            connection.execute(insert(_RISK), rows)
    return scores


def risk_scores(engine: Engine, taxpayer_ids: Collection[int] | None = None) -> dict[int, RiskScore]:
    """The stored risk scores: of these taxpayers, or of every taxpayer with a raised flag."""
    queries = (
        [select(TaxpayerRisk)]
        if taxpayer_ids is None
        else [
            select(TaxpayerRisk).where(TaxpayerRisk.taxpayer_id.in_(b)) for b in chunked(sorted(taxpayer_ids))
        ]
    )
    with Session(engine) as session:
        return {
            row.taxpayer_id: RiskScore(row.taxpayer_id, row.score, row.flags, row.max_severity)
            for query in queries
            for row in session.scalars(query)
        }
