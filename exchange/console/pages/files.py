"""The operators' files: a filtered, paged list, and one file's story (metadata, timeline, findings,
the status message and its acknowledgement, the records' counts). No personal data: what
`exchange files list` and `exchange files show` print."""

from __future__ import annotations

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response

from exchange.cli.store import file_rows
from exchange.console.auth import Viewer
from exchange.console.web import OPERATORS, NotFoundError, Query, console_of, page, paging, render
from exchange.states import FileState, Outcome
from exchange.store.queries import FileFilter, count_files
from exchange.store.story import file_story, find_file
from exchange.validation.meanings import code_meaning


def _filter(query: Query) -> FileFilter:
    state = query.choice("state", [s.value for s in FileState])
    outcome = query.choice("outcome", [o.value for o in Outcome])
    sender = query.text("sender")
    return FileFilter(
        state=FileState(state) if state else None,
        outcome=Outcome(outcome) if outcome else None,
        sender=sender.upper() if sender else None,
        since=query.moment("since"),
        until=query.moment("until"),
        code=query.integer("code", minimum=0),
    )


@page(*OPERATORS)
def files_page(request: Request, viewer: Viewer) -> Response:
    query = Query(request.query_params)
    where = _filter(query)
    pages = paging(query)
    with Session(console_of(request).engine) as session:
        total = count_files(session, where)
        rows = file_rows(session, where, pages.size, pages.offset)
    return render(
        request,
        viewer,
        "files.html",
        title="Files",
        rows=rows,
        total=total,
        paging=pages,
        last_page=pages.pages(total),
        states=[s.value for s in FileState],
        outcomes=[o.value for o in Outcome],
        form=request.query_params,
    )


@page(*OPERATORS)
def file_page(request: Request, viewer: Viewer) -> Response:
    file_id = int(request.path_params["file_id"])
    with Session(console_of(request).engine) as session:
        file = find_file(session, file_id)
        if file is None:
            raise NotFoundError(f"no stored file {file_id}")
        story = file_story(session, file, max_findings=1000)
    meanings = {code: code_meaning(code) for code in story["codes"]}
    return render(request, viewer, "file.html", title=f"File {file_id}", file=story, meanings=meanings)
