"""Logging in and out: the password form, the limits on failed attempts, the session cookie."""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from exchange.console.auth import CSRF_FIELD
from exchange.console.web import action, console_of, home_of, render
from exchange.logs import get_logger
from exchange.users import Role, check_password, close_session, open_session

log = get_logger(__name__)


def _safe_next(target: str | None) -> str | None:
    """Only a path of this console: never another site (an open redirect)."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def _form(request: Request, status: int = 200, error: str | None = None, name: str = "") -> Response:
    gate = console_of(request).gate
    known = gate.login_nonce(request)
    nonce = known or secrets.token_urlsafe(16)
    response = render(
        request,
        None,
        "login.html",
        status=status,
        error=error,
        name=name,
        next=_safe_next(request.query_params.get("next")) or "",
        login_csrf=gate.login_token(nonce),
    )
    if known is None:
        gate.set_login_cookie(request, response, nonce)
    return response


def login_page(request: Request) -> Response:
    viewer = console_of(request).gate.viewer(request)
    if viewer is not None:
        return RedirectResponse(_safe_next(request.query_params.get("next")) or home_of(viewer.role), 303)
    return _form(request)


async def login(request: Request) -> Response:
    console = console_of(request)
    gate = console.gate
    form = await request.form()
    name = str(form.get("name", "")).strip()
    password = str(form.get("password", ""))
    if not gate.login_csrf_ok(request, str(form.get(CSRF_FIELD, ""))):
        return _form(request, 403, "The login form is out of date: please log in again.", name)
    keys = [f"user:{name.casefold()}", f"address:{gate.client_address(request)}"]
    wait = console.limiter.wait_seconds(keys)
    if wait > 0:
        log.warning("console login refused: too many failures", user=name)
        minutes = max(1, round(wait / 60))
        return _form(request, 429, f"Too many failed logins: try again in {minutes} minute(s).", name)
    user = await run_in_threadpool(check_password, console.engine, name, password) if name else None
    if user is None:
        console.limiter.failed(keys)
        log.warning("console login failed", user=name)
        return _form(request, 401, "Wrong user name or password.", name)
    console.limiter.clear(keys[0])
    token = await run_in_threadpool(open_session, console.engine, user.id, gate.lifetime)
    log.info("console login", user=user.name, role=user.role.value)
    target = _safe_next(str(form.get("next", ""))) or home_of(user.role)
    response = RedirectResponse(target, status_code=303)
    gate.set_session(request, response, token)
    return response


@action(*Role)
def logout(request: Request, viewer: object, form: object) -> Response:
    console = console_of(request)
    token = getattr(viewer, "token", None)
    if token:
        close_session(console.engine, token)
    response = RedirectResponse("/login", status_code=303)
    console.gate.clear_session(response)
    return response
