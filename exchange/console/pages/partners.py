"""Partners and keys: identities, certificates with their validity, what expires soon; never key
material. What `exchange partners list` and `exchange keys list` print."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from exchange.cli.keys import keys_report
from exchange.cli.partners import partners_report
from exchange.console.auth import Viewer
from exchange.console.web import OPERATORS, console_of, page, render


@page(*OPERATORS)
def partners_page(request: Request, viewer: Viewer) -> Response:
    settings = console_of(request).settings
    return render(
        request,
        viewer,
        "partners.html",
        title="Partners and keys",
        partners=partners_report(settings),
        keys=keys_report(settings),
    )
