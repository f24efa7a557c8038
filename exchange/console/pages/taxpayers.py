"""A taxpayer's page for analysts: their risk score and every flag about them, raised and retracted,
across senders and years; audited (`console.taxpayer`) with the taxpayer as subject. Operators and
auditors are refused."""

from __future__ import annotations

from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import Response

from exchange.anomalies.models import TaxpayerRisk
from exchange.anomalies.queries import FlagQuery, iter_flags
from exchange.audit import audited
from exchange.console.auth import Viewer
from exchange.console.web import NotFoundError, console_of, page, render
from exchange.registry.models import Taxpayer
from exchange.users import Role


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
        person = connection.execute(
            select(Taxpayer.id, Taxpayer.country, Taxpayer.national_id, Taxpayer.kind).where(
                Taxpayer.id == taxpayer_id
            )
        ).first()
        if person is None:
            raise NotFoundError(f"no taxpayer {taxpayer_id}")
        risk = connection.execute(
            select(TaxpayerRisk.score, TaxpayerRisk.flags, TaxpayerRisk.max_severity).where(
                TaxpayerRisk.taxpayer_id == taxpayer_id
            )
        ).first()
        flags = list(
            act.counted(iter_flags(connection, FlagQuery(taxpayer_id=taxpayer_id, state="all", sort="year")))
        )
    by_year: dict[tuple[str, int], list[dict[str, object]]] = {}
    for flag in flags:
        by_year.setdefault((flag["sender"] or "several", flag["reporting_year"]), []).append(flag)
    return render(
        request,
        viewer,
        "taxpayer.html",
        title=f"Taxpayer {taxpayer_id}",
        person=person,
        risk=risk,
        flags=flags,
        by_year=sorted(by_year.items(), key=lambda item: (-item[0][1], item[0][0])),
    )
