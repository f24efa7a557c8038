"""What the operators' overview draws: files received over time by verdict, and how fast files go.

The store keeps when each file arrived (received_at) and when its effect was complete (settled_at), so
processing time is settled_at - received_at and throughput is the reports a file held over that time.
Both read one row per file in the window and count in Python: files are few (a partner sends a handful a
year, each large), and bucketing times in SQL differs between SQLite and PostgreSQL.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from exchange.states import outcome_of
from exchange.store.models import FindingRow, ReceivedFile
from exchange.store.queries import FileFilter

# What an overview reads at most: the newest files of its window.
MAX_FILES = 10_000


@dataclass(frozen=True, slots=True)
class Bucket:
    start: datetime
    outcome: str  # accepted, accepted_with_errors, rejected, or "in progress"
    files: int


def bucket_size(since: datetime, until: datetime) -> timedelta:
    """Buckets that cut the window into 24 to 48 bars: hours for a day, days for a month."""
    span = until - since
    for size in (timedelta(minutes=1), timedelta(minutes=10), timedelta(hours=1), timedelta(days=1)):
        if span / size <= 48:
            return size
    return timedelta(days=7)


def bucket_start(moment: datetime, size: timedelta) -> datetime:
    """The start of the bucket of `size` that holds `moment`."""
    epoch = datetime(1970, 1, 5, tzinfo=UTC)  # a Monday: weekly buckets start on Mondays
    return epoch + ((moment - epoch) // size) * size


def outcome_timeline(session: Session, since: datetime, until: datetime, size: timedelta) -> list[Bucket]:
    """Files received per bucket of `size` between `since` and `until`, by verdict."""
    has_findings = select(FindingRow.id).where(FindingRow.file_id == ReceivedFile.id).exists()
    query = FileFilter(since=since, until=until).apply(
        select(ReceivedFile.received_at, ReceivedFile.state, has_findings)
        .order_by(ReceivedFile.received_at.desc())
        .limit(MAX_FILES)
    )
    counts: Counter[tuple[datetime, str]] = Counter()
    for received_at, state, findings in session.execute(query):
        verdict = outcome_of(state, bool(findings))
        counts[(bucket_start(received_at, size), verdict.value if verdict else "in progress")] += 1
    return [Bucket(start, outcome, files) for (start, outcome), files in sorted(counts.items())]


def _percentile(ordered: Sequence[float], share: float) -> float | None:
    if not ordered:
        return None
    return ordered[min(len(ordered) - 1, math.ceil(share * len(ordered)) - 1)]


def processing(session: Session, where: FileFilter | None = None) -> dict[str, Any]:
    """The settled files of `where`: each one's processing time and reports per second (newest first),
    and over them all the median and 95th percentile time and the overall reports per second."""
    query = (where or FileFilter()).apply(
        select(
            ReceivedFile.id,
            ReceivedFile.sender,
            ReceivedFile.received_at,
            ReceivedFile.settled_at,
            ReceivedFile.records_stored + ReceivedFile.records_refused,
        )
        .where(ReceivedFile.settled_at.is_not(None))
        .order_by(ReceivedFile.received_at.desc(), ReceivedFile.id.desc())
        .limit(MAX_FILES)
    )
    files: list[dict[str, Any]] = []
    times: list[float] = []
    total_records = 0
    for file_id, sender, received_at, settled_at, records in session.execute(query):
        seconds = max((settled_at - received_at).total_seconds(), 0.0) if settled_at else 0.0
        times.append(seconds)
        total_records += records
        files.append(
            {
                "id": file_id,
                "sender": sender,
                "received_at": received_at,
                "seconds": seconds,
                "records": records,
                "reports_per_second": records / seconds if seconds > 0 else None,
            }
        )
    times.sort()
    total_seconds = sum(times)
    return {
        "files": files,
        "settled": len(files),
        "records": total_records,
        "median_seconds": _percentile(times, 0.5),
        "p95_seconds": _percentile(times, 0.95),
        "reports_per_second": total_records / total_seconds if total_seconds > 0 else None,
    }
