"""Points in time as people type them: a date, a date and time, or a duration back from now.

`--since 24h`, `--since 2026-12-01`, `--until 2026-12-01T12:00`: one reading for every command.
A date alone means its midnight in UTC; a time without an offset is UTC; a duration counts back from now.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

_DURATION = re.compile(r"(\d+)\s*(s|m|h|d|w)")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
# Far enough back for any file; beyond it timedelta and the engines' timestamps overflow.
_LONGEST = timedelta(days=365 * 200)


class TimeSpecError(ValueError):
    """The text is neither a date, a date and time, nor a duration such as 24h."""


def parse_duration(text: str) -> timedelta:
    """`90m`, `24h`, `7d`, `2w`, or several of them (`1d12h`)."""
    compact = text.strip().lower().replace(" ", "")
    if not compact or _DURATION.sub("", compact):
        raise TimeSpecError(f"{text!r} is not a duration such as 30m, 24h or 7d")
    seconds = sum(int(amount) * _UNIT_SECONDS[unit] for amount, unit in _DURATION.findall(compact))
    if seconds > _LONGEST.total_seconds():
        raise TimeSpecError(f"{text!r} reaches back further than 200 years")
    return timedelta(seconds=seconds)


def parse_moment(text: str, now: datetime | None = None) -> datetime:
    """A timezone-aware UTC moment from a date, an ISO 8601 date and time, or a duration ago."""
    value = text.strip()
    now = now or datetime.now(UTC)
    if value and value[-1].lower() in _UNIT_SECONDS and value[0].isdigit() and "-" not in value:
        return now - parse_duration(value)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise TimeSpecError(
            f"{text!r} is not a date (2026-12-01), a date and time (2026-12-01T12:00) or a duration (24h)"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)
