"""Dead letters: the list with their reason headers, and re-drive or discard of one, each behind a
confirmation page and audited (`dlq.redrive`, `dlq.discard`) by the same functions `exchange dlq` calls."""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from exchange.cli.dlq import discard_letters, list_dead_letters, redrive_letters
from exchange.console.auth import Viewer
from exchange.console.web import (
    OPERATORS,
    BadRequestError,
    Handler,
    NotFoundError,
    Query,
    confirmed,
    console_of,
    page,
    render,
)


def _letters(
    request: Request, viewer: Viewer, show_all: bool, reason: str | None = None
) -> list[dict[str, object]]:
    console = console_of(request)
    query = Query(request.query_params)
    return list_dead_letters(
        console.settings,
        console.engine,
        viewer.name,
        query.moment("since"),
        query.moment("until"),
        reason,
        show_all,
    )


@page(*OPERATORS)
def dead_letters_page(request: Request, viewer: Viewer) -> Response:
    query = Query(request.query_params)
    show_all = query.text("all") is not None
    rows = _letters(request, viewer, show_all, query.text("reason"))
    return render(
        request,
        viewer,
        "dead_letters.html",
        title="Dead letters",
        rows=rows,
        show_all=show_all,
        form=request.query_params,
        done=query.text("done"),
        topic=console_of(request).settings.topic_dlq,
    )


def _one(request: Request, viewer: Viewer) -> dict[str, object]:
    partition, offset = int(request.path_params["partition"]), int(request.path_params["offset"])
    for row in _letters(request, viewer, show_all=True):
        if row["partition"] == partition and row["offset"] == offset:
            return row
    raise NotFoundError(f"no dead letter at {partition}:{offset}")


def _confirmation(verb: str) -> Handler:
    """The page that shows the dead letter and asks to confirm `verb` on it."""

    def confirm(request: Request, viewer: Viewer) -> Response:
        return render(
            request,
            viewer,
            "dead_letter_confirm.html",
            title="Re-drive a dead letter" if verb == "redrive" else "Discard a dead letter",
            letter=_one(request, viewer),
            verb=verb,
        )

    confirm.__name__ = f"confirm_{verb}"
    return confirm


def _position(request: Request) -> tuple[int | None, int]:
    return (int(request.path_params["partition"]), int(request.path_params["offset"]))


def redrive(request: Request, viewer: Viewer, form: FormData) -> Response:
    console = console_of(request)
    done = redrive_letters(console.settings, console.engine, viewer.name, (_position(request),), None)
    partition, offset = _position(request)
    said = f"{partition}:{offset} redriven" if done else f"{partition}:{offset} was not pending: nothing done"
    return RedirectResponse("/dead-letters?" + _done(said), status_code=303)


def discard(request: Request, viewer: Viewer, form: FormData) -> Response:
    reason = str(form.get("reason", "")).strip()
    if not reason:
        raise BadRequestError("say why the dead letter is discarded")
    console = console_of(request)
    discard_letters(console.settings, console.engine, viewer.name, (_position(request),), reason)
    partition, offset = _position(request)
    return RedirectResponse("/dead-letters?" + _done(f"{partition}:{offset} discarded"), status_code=303)


def _done(text: str) -> str:
    return urlencode({"done": text})


_LETTER = "/dead-letters/{partition:int}/{offset:int}"
# Each action on one dead letter, behind its confirmation page.
ROUTES = (
    *confirmed(f"{_LETTER}/redrive", OPERATORS, _confirmation("redrive"), redrive),
    *confirmed(f"{_LETTER}/discard", OPERATORS, _confirmation("discard"), discard),
)
