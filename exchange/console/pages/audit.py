"""The auditors' page: the audit trail, newest first, filtered by actor, action and time, paged; what
`exchange audit` lists."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from exchange.audit import AuditFilter, read_trail
from exchange.console.auth import Viewer
from exchange.console.web import Query, console_of, page, paging, render
from exchange.users import Role


@page(Role.AUDITOR)
def audit_page(request: Request, viewer: Viewer) -> Response:
    query = Query(request.query_params)
    pages = paging(query, size=100)
    where = AuditFilter(
        actor=query.text("actor"),
        action_prefix=query.text("action"),
        since=query.moment("since"),
        until=query.moment("until"),
    )
    trail = read_trail(console_of(request).engine, where, limit=pages.offset + pages.size + 1)
    rows = list(trail)[pages.offset :]  # read to its end (the limit), so its connection is given back
    return render(
        request,
        viewer,
        "audit.html",
        title="Audit trail",
        rows=rows[: pages.size],
        more=len(rows) > pages.size,
        paging=pages,
        form=request.query_params,
    )
