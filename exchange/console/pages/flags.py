"""The analysts' flags: facets with counts, filters, sorting and paging, every one in the URL; a flag's
page with the match-weight chart; the whole result as CSV or Parquet, streamed. Each view and export
is audited (`console.flags`, `console.flag`, `console.export`) with its filters, rows and subject."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, datetime
from typing import IO, Any

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from exchange.anomalies.audit import flag_subject
from exchange.anomalies.export import FLAG_COLUMNS, write_csv, write_parquet
from exchange.anomalies.queries import (
    SORTS,
    STATES,
    FlagQuery,
    flag_facet_counts,
    iter_flags,
    show_flag,
)
from exchange.anomalies.rules import rule_of
from exchange.audit import audited, record
from exchange.console import charts
from exchange.console.auth import Viewer
from exchange.console.streaming import streamed
from exchange.console.web import NotFoundError, Query, console_of, page, paging, render
from exchange.users import Role

ANALYSTS = (Role.ANALYST,)
FACET_LABELS = {
    "code": "code",
    "severity": "severity",
    "sender": "sender",
    "reporting_year": "year",
    "institution": "institution",
}
# The URL's name of each facet: the same as the CLI's option.
FACET_PARAMS = {"code": "code", "severity": "severity", "sender": "sender", "reporting_year": "year",
                "institution": "institution"}  # fmt: skip


def flag_query(query: Query, limit: int | None = None, offset: int = 0) -> FlagQuery:
    """The flags the URL asks for, read as `exchange flags` reads the same options."""
    taxpayer = query.text("taxpayer")
    return FlagQuery(
        codes=tuple(code.upper() for code in query.texts("code")),
        senders=tuple(sender.upper() for sender in query.texts("sender")),
        years=query.integers("year"),
        severities=query.choices("severity", ["low", "medium", "high"]),
        min_amount=query.amount("min_amount"),
        max_amount=query.amount("max_amount"),
        national_id=taxpayer,
        taxpayer_id=query.integer("taxpayer_id", minimum=1),
        min_score=query.number("min_score", 0, 100),
        file_ids=query.integers("file"),
        institutions=query.texts("institution"),
        raised_since=query.moment("since"),
        raised_until=query.moment("until"),
        state=query.choice("state", STATES, "raised") or "raised",
        sort=query.choice("sort", sorted(SORTS), "score") or "score",
        descending=query.text("asc") is None,
        limit=limit,
        offset=offset,
    )


def _subject(flags: FlagQuery) -> str | None:
    taxpayer = flags.taxpayer_id or flags.national_id
    return f"taxpayer {taxpayer}" if taxpayer else None


def _filters(flags: FlagQuery) -> dict[str, Any]:
    return {k: v for k, v in flags.to_dict().items() if v not in (None, [], ())}


@page(*ANALYSTS)
def flags_page(request: Request, viewer: Viewer) -> Response:
    console = console_of(request)
    query = Query(request.query_params)
    pages = paging(query)
    flags = flag_query(query, pages.size, pages.offset)
    with (
        audited(
            console.engine,
            viewer.name,
            "console.flags",
            _filters(flags),
            subject=_subject(flags),
            output_format="html",
        ) as act,
        console.engine.connect() as connection,
    ):
        counted = flag_facet_counts(connection, flags)
        total, facets = counted.total, counted.facets
        rows = list(act.counted(iter_flags(connection, flags)))
    return render(
        request,
        viewer,
        "flags.html",
        title="Flags",
        rows=rows,
        total=total,
        facets=facets,
        facet_labels=FACET_LABELS,
        facet_params=FACET_PARAMS,
        paging=pages,
        last_page=pages.pages(total),
        sorts=sorted(SORTS),
        states=STATES,
        flags=flags,
        form=request.query_params,
    )


def _export(request: Request, viewer: Viewer, output_format: str) -> Response:
    console = console_of(request)
    flags = flag_query(Query(request.query_params))
    engine = console.engine

    def write(stream: IO[Any]) -> None:
        details = _filters(flags)
        with (
            audited(
                engine,
                viewer.name,
                "console.export",
                details,
                subject=_subject(flags),
                output_format=output_format,
            ) as act,
            engine.connect() as connection,
        ):
            rows = act.counted(iter_flags(connection, flags))
            if output_format == "csv":
                write_csv(rows, FLAG_COLUMNS, stream)
            else:
                write_parquet(rows, FLAG_COLUMNS, stream)

    return _download(write, output_format, "flags")


def _download(write: Callable[[IO[Any]], None], output_format: str, name: str) -> Response:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    media = "text/csv; charset=utf-8" if output_format == "csv" else "application/vnd.apache.parquet"
    return StreamingResponse(
        streamed(write, text=output_format == "csv"),
        media_type=media,
        headers={"content-disposition": f'attachment; filename="{name}-{stamp}.{output_format}"'},
    )


@page(*ANALYSTS)
def export_csv(request: Request, viewer: Viewer) -> Response:
    return _export(request, viewer, "csv")


@page(*ANALYSTS)
def export_parquet(request: Request, viewer: Viewer) -> Response:
    return _export(request, viewer, "parquet")


def match_threshold(probability: float) -> float:
    """The match weight (bits) at which linkage accepts a match of this posterior probability."""
    return math.log2(probability / (1 - probability)) if probability < 1 else math.inf


@page(*ANALYSTS)
def flag_page(request: Request, viewer: Viewer) -> Response:
    console = console_of(request)
    flag_id = int(request.path_params["flag_id"])
    with Session(console.engine) as session:
        shown = show_flag(session, flag_id)
    if shown is None:
        raise NotFoundError(f"no flag {flag_id}")
    record(console.engine, viewer.name, "console.flag", {"flag_id": flag_id},
           subject=flag_subject(shown, flag_id), row_count=1, output_format="html")  # fmt: skip
    match = shown["match"]
    threshold = match_threshold(console.settings.reconcile_match_probability)
    chart = (
        charts.match_waterfall(match["explanation"], threshold) if match and match["explanation"] else None
    )
    rule = rule_of(shown["code"])
    described = rule.describe(console.settings) if rule is not None else None
    return render(
        request,
        viewer,
        "flag.html",
        title=f"Flag {flag_id}",
        flag=shown,
        rule=described,
        waterfall_svg=chart,
        threshold=threshold,
    )
