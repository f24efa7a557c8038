"""The admin's list of console users (managed with `exchange users`)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from exchange.console.auth import Viewer
from exchange.console.web import console_of, page, render
from exchange.users import Role, list_users


@page(Role.ADMIN)
def users_page(request: Request, viewer: Viewer) -> Response:
    return render(request, viewer, "users.html", title="Users", users=list_users(console_of(request).engine))
