"""The analysts' study tables: counts and amounts of raised flags by code, sender and year, small cells
suppressed, with charts, and their export; audited (`console.study`) as `exchange flags study` is."""

from __future__ import annotations

from typing import IO, Any

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response

from exchange.anomalies.export import STUDY_COLUMNS, write_csv, write_parquet
from exchange.anomalies.study import study_table
from exchange.audit import audited
from exchange.console import charts
from exchange.console.auth import Viewer
from exchange.console.pages.flags import _download
from exchange.console.web import console_of, page, render
from exchange.users import Role


@page(Role.ANALYST)
def study_page(request: Request, viewer: Viewer) -> Response:
    console = console_of(request)
    least = console.settings.flag_study_min_taxpayers
    with (
        audited(
            console.engine, viewer.name, "console.study", {"min_subjects": least}, output_format="html"
        ) as act,
        Session(console.engine) as session,
    ):
        rows = list(act.counted(study_table(session, least)))
    shown = [row for row in rows if not row["suppressed"]]
    return render(
        request,
        viewer,
        "study.html",
        title="Study tables",
        rows=rows,
        least=least,
        hidden=len(rows) - len(shown),
        flags_svg=charts.study_chart(rows, "flags", "flags", counted=True) if shown else None,
        amounts_svg=charts.study_chart(rows, "amount_total", "amount", counted=False) if shown else None,
    )


def _export(request: Request, viewer: Viewer, output_format: str) -> Response:
    console = console_of(request)
    least = console.settings.flag_study_min_taxpayers
    engine = console.engine

    def write(stream: IO[Any]) -> None:
        with (
            audited(
                engine, viewer.name, "console.study", {"min_subjects": least}, output_format=output_format
            ) as act,
            Session(engine) as session,
        ):
            rows = act.counted(study_table(session, least))
            if output_format == "csv":
                write_csv(rows, STUDY_COLUMNS, stream)
            else:
                write_parquet(rows, STUDY_COLUMNS, stream)

    return _download(write, output_format, "study")


@page(Role.ANALYST)
def export_csv(request: Request, viewer: Viewer) -> Response:
    return _export(request, viewer, "csv")


@page(Role.ANALYST)
def export_parquet(request: Request, viewer: Viewer) -> Response:
    return _export(request, viewer, "parquet")
