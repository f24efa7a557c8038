"""The console's charts as SVG (vl-convert, no browser): counts have whole ticks, the processing time
plain decimals, the time axes the window in UTC hours or days, however close together the files came."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from exchange.console import charts

NOW = datetime(2026, 12, 3, 17, 0, tzinfo=UTC)
_LABEL = re.compile(r"<text[^>]*>([^<]*)</text>")


def _labels(svg: str) -> list[str]:
    return _LABEL.findall(svg)


def _numbers(labels: list[str]) -> list[str]:
    return [label for label in labels if re.fullmatch(r"[\d.,]+", label)]


def test_count_axes_have_whole_ticks_each_once() -> None:
    codes = [{"code": "60001", "n": 2}]
    by_code = charts.counts_by(codes, "code", "n", "findings")
    timeline = charts.outcomes_over_time(
        [(NOW - timedelta(hours=2), "accepted", 1), (NOW - timedelta(hours=1), "rejected", 2)],
        NOW - timedelta(hours=24),
        NOW,
        timedelta(hours=1),
    )
    rows = [{"code": "DC01", "reporting_year": 2025, "sender": "LU", "flags": 1, "suppressed": False}]
    study = charts.study_chart(rows, "flags", "flags", counted=True)
    for svg in (by_code, timeline, study):
        ticks = _numbers(_labels(svg))
        assert ticks, "no tick labels"
        assert all("." not in tick for tick in ticks), ticks
        assert len(set(ticks)) == len(ticks), f"a tick label repeated: {ticks}"


def test_a_buckets_verdicts_are_stacked_inside_the_window() -> None:
    start = NOW - timedelta(minutes=16)  # the current hour's bucket runs past the window's end
    svg = charts.outcomes_over_time(
        [(start, "accepted", 2), (start, "rejected", 2), (start, "dead letter", 2)],
        NOW - timedelta(hours=24),
        NOW,
        timedelta(hours=1),
    )
    bars = re.findall(r'aria-roledescription="bar" d="M([\d.]+),([\d.]+)h([\d.]+)v([\d.]+)h', svg)
    assert len(bars) == 3
    tops = {float(top) for _, top, _, _ in bars}
    heights = {round(float(height), 3) for *_, height in bars}
    assert len(tops) == 3 and len(heights) == 1, bars  # one on another, each as high as 2 files
    width = float(re.search(r'<svg[^>]*width="([\d.]+)"', svg).group(1))  # type: ignore[union-attr]
    assert all(float(x) + float(w) <= width for x, _, w, _ in bars)


def test_processing_times_read_as_plain_seconds_over_the_window_in_utc_hours() -> None:
    files = [
        {"received_at": NOW - timedelta(milliseconds=100 * n), "seconds": 0.2 + 0.05 * n, "sender": "LU",
         "id": n}
        for n in range(10)
    ]  # fmt: skip
    labels = _labels(charts.processing_times(files, NOW - timedelta(hours=24), NOW))
    seconds = _numbers(labels)
    assert seconds and all(not tick.startswith(".") and not tick.endswith("00") for tick in seconds), seconds
    times = [label for label in labels if ":" in label]
    assert "17:00" in times and "05:00" in times, times  # the window's hours, not milliseconds
    assert all(re.fullmatch(r"\d\d:00", label) for label in times), times


def test_a_week_has_one_tick_a_day() -> None:
    svg = charts.outcomes_over_time(
        [(NOW - timedelta(hours=6), "accepted", 2)], NOW - timedelta(days=7), NOW, timedelta(hours=6)
    )
    days = [label for label in _labels(svg) if re.fullmatch(r"\d\d \w{3}", label)]
    assert days == ["27 Nov", "28 Nov", "29 Nov", "30 Nov", "01 Dec", "02 Dec", "03 Dec"]


def test_the_match_threshold_is_labelled_right_of_every_bar() -> None:
    explanation = {
        "prior_weight": -2.47,
        "match_weight": 61.91,
        "fields": [{"field": "given_name", "level": "exact", "weight": 6.39}],
    }
    svg = charts.match_waterfall(explanation, 3.17)
    label = re.search(r'translate\(([\d.]+),[\d.]+\)"[^>]*>match threshold \+3\.17<', svg)
    assert label is not None
    bars = re.findall(r'aria-roledescription="bar" d="M([\d.]+),[\d.]+h([\d.]+)', svg)
    assert bars and float(label.group(1)) >= max(float(x) + float(w) for x, w in bars)
