"""A taxpayer's page for analysts: the accounts partners reported about them across senders and years
beside what their returns declared, their risk score, and every flag about them with its history
(raised, retracted); audited (`console.taxpayer`) with the taxpayer as subject. Operators and auditors
are refused."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import Response

from exchange.anomalies.models import TaxpayerRisk
from exchange.anomalies.queries import FlagQuery, iter_flags
from exchange.anomalies.taxpayer_story import PAYMENT_KINDS, find_taxpayer, taxpayer_years
from exchange.audit import audited
from exchange.console.auth import Viewer
from exchange.console.web import NotFoundError, console_of, page, render
from exchange.users import Role

KIND_LABELS = {
    "foreign_interest": "interest",
    "foreign_dividends": "dividends",
    "foreign_gains": "gross proceeds / gains",
    "foreign_other": "other income",
}


@page(Role.ANALYST)
def taxpayer_page(request: Request, viewer: Viewer) -> Response:
    console = console_of(request)
    taxpayer_id = int(request.path_params["taxpayer_id"])
    details = {"taxpayer_id": taxpayer_id}
    subject = f"taxpayer {taxpayer_id}"
    with (
        audited(
            console.engine, viewer.name, "console.taxpayer", details, subject=subject, output_format="html"
        ) as act,
        console.engine.connect() as connection,
    ):
        person = find_taxpayer(connection, taxpayer_id)
        if person is None:
            raise NotFoundError(f"no taxpayer {taxpayer_id}")
        act.rows = 1
        risk = connection.execute(
            select(TaxpayerRisk.score, TaxpayerRisk.flags, TaxpayerRisk.max_severity).where(
                TaxpayerRisk.taxpayer_id == taxpayer_id
            )
        ).first()
        years = taxpayer_years(connection, taxpayer_id)
        flags = list(
            act.counted(iter_flags(connection, FlagQuery(taxpayer_id=taxpayer_id, state="all", sort="year")))
        )
    by_year: dict[int, list[dict[str, Any]]] = {}
    for flag in flags:
        by_year.setdefault(flag["reporting_year"], []).append(flag)
    return render(
        request,
        viewer,
        "taxpayer.html",
        title=f"Taxpayer {taxpayer_id}",
        person=person,
        risk=risk,
        years=years,
        flags=flags,
        flags_by_year=by_year,
        kinds=list(PAYMENT_KINDS.values()),
        kind_labels=KIND_LABELS,
    )
