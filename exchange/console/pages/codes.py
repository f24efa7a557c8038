"""Errors by code: every code seen with its counts, and one page per code with what it means (from the
rule declarations), how many files and records drew it, which senders, and its findings newest first."""

from __future__ import annotations

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response

from exchange.console.auth import Viewer
from exchange.console.web import OPERATORS, Query, console_of, page, paging, render
from exchange.store.code_report import code_summary, codes_seen, findings_of_code
from exchange.store.queries import FileFilter
from exchange.store.story import operator_text
from exchange.validation.meanings import code_meaning


def _window(query: Query) -> FileFilter:
    sender = query.text("sender")
    return FileFilter(
        sender=sender.upper() if sender else None, since=query.moment("since"), until=query.moment("until")
    )


@page(*OPERATORS)
def codes_page(request: Request, viewer: Viewer) -> Response:
    where = _window(Query(request.query_params))
    with Session(console_of(request).engine) as session:
        rows = codes_seen(session, where)
    for row in rows:
        row["meaning"] = code_meaning(row["code"])
    return render(request, viewer, "codes.html", title="Errors by code", rows=rows, form=request.query_params)


@page(*OPERATORS)
def code_page(request: Request, viewer: Viewer) -> Response:
    code = int(request.path_params["code"])
    query = Query(request.query_params)
    where = _window(query)
    pages = paging(query)
    with Session(console_of(request).engine) as session:
        summary = code_summary(session, code, where)
        findings = [
            {
                "file_id": row.file_id,
                "sender": row.file.sender,
                "received_at": row.file.received_at,
                "level": row.level,
                "doc_ref_ids": list(row.doc_ref_ids),
                "field_paths": list(row.field_paths),
                "line": row.line,
                "message": operator_text(row.message),
            }
            for row in findings_of_code(session, code, where, limit=pages.size, offset=pages.offset)
        ]
    return render(
        request,
        viewer,
        "code.html",
        title=f"Code {code}",
        meaning=code_meaning(code),
        summary=summary,
        findings=findings,
        paging=pages,
        last_page=pages.pages(summary["findings"]),
        form=request.query_params,
    )
