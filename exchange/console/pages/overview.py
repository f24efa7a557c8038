"""The operators' overview: files over time by verdict, errors by code and sender, throughput and
processing time, dead letters and consumer lag, certificates that expire soon; refreshed in place
every console_refresh_seconds by static/console.js (a plain reload works the same without it)."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response

from exchange.cli.keys import keys_report
from exchange.cli.partners import partners_report
from exchange.cli.status import broker_status, store_status
from exchange.console import charts
from exchange.console.auth import Viewer
from exchange.console.web import OPERATORS, Console, Query, console_of, page, render
from exchange.errors import ExchangeError
from exchange.store.activity import bucket_size, bucket_start, outcome_timeline, processing
from exchange.store.queries import FileFilter

BROKER_TIMEOUT_S = 3.0
WINDOWS = {
    "1h": timedelta(hours=1),
    "24h": timedelta(hours=24),
    "7d": timedelta(days=7),
    "30d": timedelta(days=30),
}


def _window(query: Query) -> tuple[str, datetime, datetime]:
    name = query.choice("window", WINDOWS, "24h") or "24h"
    until = datetime.now(UTC)
    return name, until - WINDOWS[name], until


def _dead_letter_times(console: Console) -> list[datetime]:
    from consumers.dlq import read_dead_letters

    return [letter.at for letter in asyncio.run(read_dead_letters(console.settings))]


def _certificate_warnings(console: Console) -> list[str]:
    partners = partners_report(console.settings)
    keys = keys_report(console.settings)
    warnings = [f"partner {p['party']}: {w}" for p in partners["partners"] for w in p["warnings"]]
    warnings += [
        f"our key {k['identity']} {k['file']}: {k['warning']}" for k in keys["keys"] if k.get("warning")
    ]
    return warnings


def _overview(console: Console, query: Query) -> dict[str, Any]:
    name, since, until = _window(query)
    where = FileFilter(since=since, until=until)
    size = bucket_size(since, until)
    status = store_status(console.engine, 10, where)
    with Session(console.engine) as session:
        buckets = [(b.start, b.outcome, b.files) for b in outcome_timeline(session, since, until, size)]
        speed = processing(session, where)
    broker = broker_status(console.settings, BROKER_TIMEOUT_S)
    if broker["reachable"]:
        try:
            dead = Counter(
                bucket_start(moment, size)
                for moment in _dead_letter_times(console)
                if since <= moment < until
            )
        except ExchangeError:
            dead = Counter()
        buckets += [(start, "dead letter", count) for start, count in sorted(dead.items())]
    try:
        warnings = _certificate_warnings(console)
    except (ExchangeError, OSError) as exc:
        warnings = [f"certificates cannot be read: {exc}"]
    return {
        "window": name,
        "windows": list(WINDOWS),
        "since": since,
        "until": until,
        "store": status,
        "broker": broker,
        "speed": speed,
        "certificate_warnings": warnings,
        "refresh_seconds": console.settings.console_refresh_seconds,
        "timeline_svg": charts.outcomes_over_time(buckets, since, until, size),
        "codes_svg": charts.counts_by(status["errors_by_code"], "code", "findings", "findings")
        if status["errors_by_code"]
        else None,
        "senders_svg": charts.counts_by(status["errors_by_sender"], "sender", "findings", "findings")
        if status["errors_by_sender"]
        else None,
        "processing_svg": charts.processing_times(speed["files"][:500], since, until)
        if speed["files"]
        else None,
        "totals": _totals(buckets),
    }


def _totals(buckets: list[tuple[datetime, str, int]]) -> dict[str, int]:
    totals: Counter[str] = Counter()
    for _, outcome, count in buckets:
        totals[outcome] += count
    return dict(totals)


@page(*OPERATORS)
def overview_page(request: Request, viewer: Viewer) -> Response:
    return render(
        request,
        viewer,
        "overview.html",
        title="Overview",
        **_overview(console_of(request), Query(request.query_params)),
    )


@page(*OPERATORS)
def live_fragment(request: Request, viewer: Viewer) -> Response:
    """The overview's body alone, which the page's script swaps in."""
    data = _overview(console_of(request), Query(request.query_params))
    return render(request, viewer, "overview_live.html", **data)
