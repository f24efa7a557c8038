"""The console's charts: Vega-Lite specs, rendered to SVG on the server by vl-convert (Vega's own
renderer, shipped in its Python wheel: no JavaScript in the browser, nothing fetched).

Each function takes what a query returned and only arranges it for the chart (a waterfall's running
sum, say); the SVG is inline in the page and carries no script and no style attribute, which the
console's Content-Security-Policy requires.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

import vl_convert

SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"  # an identifier: never fetched
OUTCOME_COLOURS = {
    "accepted": "#2e7d32",
    "accepted_with_errors": "#f9a825",
    "rejected": "#c62828",
    "dead letter": "#6a1b9a",
    "in progress": "#90a4ae",
}
_CONFIG = {
    "font": "sans-serif",
    "view": {"stroke": None},
    "axis": {"labelFontSize": 11, "titleFontSize": 11, "gridColor": "#e6e6e6"},
    "legend": {"labelFontSize": 11, "titleFontSize": 11, "orient": "bottom"},
    "background": "transparent",
}


def svg(spec: Mapping[str, Any]) -> str:
    """The chart as an SVG element."""
    full = {"$schema": SCHEMA, "config": _CONFIG, **spec}
    return vl_convert.vegalite_to_svg(full)


def warm_up() -> None:
    """The renderer's first chart takes a second (it starts its engine): take it before the first page."""
    svg({"data": {"values": [{"x": 1}]}, "mark": "point", "encoding": {"x": {"field": "x"}}})


def _iso(moment: datetime) -> str:
    return moment.isoformat()


def _counted(highest: float) -> dict[str, Any]:
    """A count's scale and axis: whole ticks (0, 1, 2, never 0.5), about five of them. Given as values
    because Vega's renderer keeps its fractional ticks under `tickMinStep` and a whole-number format
    only repeats their rounded labels (0, 1, 1, 2, 2)."""
    step = next(
        size * power
        for power in (10**exponent for exponent in range(16))
        for size in (1, 2, 5)
        if size * power * 5 >= highest
    )
    top = max(step, math.ceil(highest / step) * step)
    return {
        "scale": {"domain": [0, top]},
        "axis": {"values": list(range(0, top + 1, step)), "format": ",d"},
    }


def _window_axis(since: datetime, until: datetime) -> dict[str, Any]:
    """A time axis over the overview's window in UTC, as the console states every time: hours for a
    day or two, days beyond; the whole window even when everything in it happened within a second
    (Vega's own ticks are then milliseconds, `.500`)."""
    short = until - since <= timedelta(days=2)
    return {
        "field": None,
        "type": "temporal",
        "title": None,
        "scale": {"type": "utc", "domain": [_iso(since), _iso(until)]},
        # On a utc scale the format is read in UTC; one tick a day beyond two days, not two a day.
        "axis": {"format": "%H:%M", "labelOverlap": True}
        if short
        else {"format": "%d %b", "labelOverlap": True, "tickCount": {"interval": "day", "step": 1}},
    }


def outcomes_over_time(
    buckets: Iterable[tuple[datetime, str, int]], since: datetime, until: datetime, size: timedelta
) -> str:
    """Files (and dead letters) received per bucket, stacked by verdict.

    The stack is summed here: Vega-Lite does not stack bars that span x to x2 (it drew every verdict
    of a bucket as one thin line at its own count). The axis runs to the end of the bucket that holds
    `until`, so the current bucket is drawn inside the chart."""
    order = {outcome: n for n, outcome in enumerate(OUTCOME_COLOURS)}
    heights: dict[datetime, int] = {}
    values = []
    for start, outcome, count in sorted(buckets, key=lambda b: (b[0], order.get(b[1], len(order)))):
        low = heights.get(start, 0)
        heights[start] = low + count
        values.append(
            {"start": _iso(start), "end": _iso(start + size), "outcome": outcome, "files": count,
             "low": low, "high": low + count}
        )  # fmt: skip
    end = max([until, *(start + size for start in heights)])
    return svg(
        {
            "width": 640,
            "height": 180,
            "data": {"values": values},
            "mark": {"type": "bar", "stroke": "white", "strokeWidth": 0.5},
            "encoding": {
                "x": {**_window_axis(since, end), "field": "start"},
                "x2": {"field": "end"},
                "y": {
                    "field": "low",
                    "type": "quantitative",
                    "title": "files",
                    **_counted(max(heights.values(), default=1)),
                },
                "y2": {"field": "high"},
                "color": _colour("outcome", OUTCOME_COLOURS),
            },
        }
    )


def _colour(field: str, colours: Mapping[str, str]) -> dict[str, Any]:
    return {
        "field": field,
        "type": "nominal",
        "title": None,
        "scale": {"domain": list(colours), "range": list(colours.values())},
    }


def counts_by(rows: Sequence[Mapping[str, Any]], category: str, count: str, title: str) -> str:
    """Horizontal bars: one per category, longest first."""
    values = [{category: str(row[category]), count: row[count]} for row in rows]
    return svg(
        {
            "width": 300,
            "height": {"step": 18},
            "data": {"values": values},
            "mark": {"type": "bar", "color": "#37474f"},
            "encoding": {
                "y": {"field": category, "type": "nominal", "sort": "-x", "title": None},
                "x": {
                    "field": count,
                    "type": "quantitative",
                    "title": title,
                    **_counted(max((row[count] for row in rows), default=1)),
                },
            },
        }
    )


def processing_times(files: Sequence[Mapping[str, Any]], since: datetime, until: datetime) -> str:
    """Each settled file's processing time, by when it arrived in the window (the timeline's axis)."""
    values = [
        {"received": _iso(f["received_at"]), "seconds": f["seconds"], "sender": f["sender"], "file": f["id"]}
        for f in files
    ]
    return svg(
        {
            "width": 640,
            "height": 140,
            "data": {"values": values},
            "mark": {"type": "point", "filled": True},
            "encoding": {
                "x": {**_window_axis(since, until), "field": "received"},
                "y": {
                    "field": "seconds",
                    "type": "quantitative",
                    "title": "seconds per file",
                    "axis": {"format": ",.3~f"},  # 0.5, 1.25, 2: no trailing zeros
                },
                "color": {"field": "sender", "type": "nominal", "title": None},
            },
        }
    )


def match_waterfall(explanation: Mapping[str, Any], threshold: float | None) -> str:
    """Splink's waterfall of a match decision: the prior, each comparison's weight in bits (up for
    evidence for, down against), the total, and the weight at which linkage accepts a match."""
    steps: list[dict[str, Any]] = []
    running = float(explanation.get("prior_weight") or 0.0)
    steps.append({"step": "prior", "start": 0.0, "end": running, "kind": "prior", "weight": running})
    for field in explanation.get("fields", []):
        weight = float(field.get("weight") or 0.0)
        label = f"{field.get('field')}: {field.get('level', '')}"
        kind = "for" if weight >= 0 else "against"
        steps.append(
            {"step": label, "start": running, "end": running + weight, "kind": kind, "weight": weight}
        )
        running += weight
    total = float(explanation.get("match_weight", running))
    steps.append({"step": "total", "start": 0.0, "end": total, "kind": "total", "weight": total})
    order = [step["step"] for step in steps]
    colours = {"prior": "#78909c", "for": "#2e7d32", "against": "#c62828", "total": "#1565c0"}
    layers: list[dict[str, Any]] = [
        {
            "mark": {"type": "bar", "width": {"band": 0.7}},
            "encoding": {
                "x": {"field": "step", "type": "nominal", "sort": order, "title": None,
                      "axis": {"labelAngle": -30, "labelLimit": 220}},
                "y": {"field": "start", "type": "quantitative", "title": "match weight (bits)"},
                "y2": {"field": "end"},
                "color": {**_colour("kind", colours), "legend": None},
            },
        },
        {
            "mark": {"type": "text", "dy": -6, "fontSize": 10},
            "encoding": {
                "x": {"field": "step", "type": "nominal", "sort": order},
                "y": {"field": "top", "type": "quantitative"},
                "text": {"field": "weight", "type": "quantitative", "format": "+.2f"},
            },
        },
    ]  # fmt: skip
    for step in steps:
        step["top"] = max(step["start"], step["end"])
    if threshold is not None and math.isfinite(threshold):
        layers.append(
            {
                "data": {"values": [{"threshold": threshold, "label": f"match threshold {threshold:+.2f}"}]},
                "layer": [
                    {"mark": {"type": "rule", "strokeDash": [6, 4], "color": "#ef6c00"},
                     "encoding": {"y": {"field": "threshold", "type": "quantitative"}}},
                    {"mark": {"type": "text", "align": "left", "baseline": "middle", "dx": 6,
                              "color": "#ef6c00", "x": {"expr": "width"}},  # right of the bars and labels
                     "encoding": {"y": {"field": "threshold", "type": "quantitative"},
                                  "text": {"field": "label"}}},
                ],
            }
        )  # fmt: skip
    return svg({"width": {"step": 70}, "height": 260, "data": {"values": steps}, "layer": layers})


def study_chart(rows: Sequence[Mapping[str, Any]], measure: str, title: str, counted: bool) -> str:
    """One bar per flag code and reporting year, split by sender; suppressed cells are left out (their
    figures are hidden), which the table beside the chart says."""
    values = [
        {"code": row["code"], "year": str(row["reporting_year"]), "sender": row["sender"] or "several",
         measure: float(row[measure])}
        for row in rows
        if not row["suppressed"] and row[measure] is not None
    ]  # fmt: skip
    return svg(
        {
            "width": {"step": 16},
            "height": 160,
            "data": {"values": values},
            "mark": {"type": "bar"},
            "encoding": {
                "column": {
                    "field": "code",
                    "type": "nominal",
                    "title": None,
                    "header": {"labelFontSize": 11},
                },
                "x": {"field": "year", "type": "nominal", "title": None},
                "xOffset": {"field": "sender"},
                "y": {
                    "field": measure,
                    "type": "quantitative",
                    "title": title,
                    **(_counted(max((v[measure] for v in values), default=1)) if counted else {}),
                },
                "color": {"field": "sender", "type": "nominal", "title": None},
            },
        }
    )
