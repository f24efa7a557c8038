"""Times as people type them: dates, dates and times, durations back from now; clear errors otherwise."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import click
import pytest

from exchange.cli.options import MOMENT
from exchange.timewindow import TimeSpecError, parse_duration, parse_moment

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("24h", NOW - timedelta(hours=24)),
        ("7d", NOW - timedelta(days=7)),
        ("90m", NOW - timedelta(minutes=90)),
        ("1d12h", NOW - timedelta(days=1, hours=12)),
        ("2w", NOW - timedelta(weeks=2)),
        ("2026-12-01", datetime(2026, 12, 1, tzinfo=UTC)),
        ("2026-12-01T08:30", datetime(2026, 12, 1, 8, 30, tzinfo=UTC)),
        ("2026-12-01T08:30+01:00", datetime(2026, 12, 1, 7, 30, tzinfo=UTC)),
    ],
)
def test_moments(text: str, expected: datetime) -> None:
    assert parse_moment(text, now=NOW) == expected


@pytest.mark.parametrize("text", ["", "yesterday", "24", "h", "2026-13-01", "5y", "-3h", "1e400d"])
def test_nonsense_is_refused_with_a_sentence(text: str) -> None:
    with pytest.raises(TimeSpecError, match="is not a"):
        parse_moment(text, now=NOW)


def test_durations_beyond_two_centuries_are_refused() -> None:
    with pytest.raises(TimeSpecError, match="200 years"):
        parse_duration("99999999999d")


def test_the_click_type_fails_as_a_usage_error() -> None:
    with pytest.raises(click.BadParameter, match="is not a date"):
        MOMENT.convert("soon", None, None)
    assert MOMENT.convert("2026-12-01", None, None) == datetime(2026, 12, 1, tzinfo=UTC)
