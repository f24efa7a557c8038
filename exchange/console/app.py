"""The console's ASGI application: its routes, the security headers, the request log, error pages."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from exchange.console.auth import Gate
from exchange.console.limiter import LoginLimiter
from exchange.console.pages import (
    audit,
    codes,
    dead_letters,
    files,
    flags,
    login,
    overview,
    partners,
    study,
    taxpayers,
    users,
)
from exchange.console.secret import console_secret
from exchange.console.security import SecurityHeaders
from exchange.console.web import Console, console_of, render
from exchange.logs import get_logger
from exchange.settings import Settings

log = get_logger(__name__)
STATIC = Path(__file__).parent / "static"


class RequestLog:
    """One log line per request: method, path (never the query string: it may hold a national id),
    status and time taken."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or str(scope["path"]).startswith("/static/"):
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def noting(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, noting)
        finally:
            log.info(
                "console request",
                method=scope["method"],
                path=scope["path"],
                status=status,
                ms=round((time.perf_counter() - started) * 1000, 1),
            )


def _routes() -> list[Route | Mount]:
    return [
        Route("/login", login.login_page, methods=["GET"]),
        Route("/login", login.login, methods=["POST"]),
        Route("/logout", login.logout, methods=["POST"]),
        Route("/", overview.overview_page),
        Route("/overview/live", overview.live_fragment),
        Route("/files", files.files_page),
        Route("/files/{file_id:int}", files.file_page),
        Route("/codes", codes.codes_page),
        Route("/codes/{code:int}", codes.code_page),
        Route("/dead-letters", dead_letters.dead_letters_page),
        *dead_letters.ROUTES,
        Route("/partners", partners.partners_page),
        Route("/flags", flags.flags_page),
        Route("/flags.csv", flags.export_csv),
        Route("/flags.parquet", flags.export_parquet),
        Route("/flags/{flag_id:int}", flags.flag_page),
        Route("/taxpayers/{taxpayer_id:int}", taxpayers.taxpayer_page),
        Route("/study", study.study_page),
        Route("/study.csv", study.export_csv),
        Route("/study.parquet", study.export_parquet),
        Route("/audit", audit.audit_page),
        Route("/users", users.users_page),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]


async def _not_found(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 404
    title = "Not found" if status == 404 else "Not allowed"
    return render(
        request, None, "error.html", status=status, title=title, error=f"Nothing at {request.url.path}."
    )


async def _server_error(request: Request, exc: Exception) -> Response:
    log.error("console error", path=request.url.path, error=type(exc).__name__)
    return render(
        request, None, "error.html", status=500, title="Internal error",
        error=f"The console failed ({type(exc).__name__}); the log says more.",
    )  # fmt: skip


# The console's SQLite connections read through a memory map and a larger page cache: its pages read
# the same index and risk pages again and again, and SQLite's 2 MiB cache and a read call per page
# made the faceted flags page at 1M flags three to five times slower (bench/console.py). The console
# process only: the pipeline's memory stays as it was.
SQLITE_READING = ("PRAGMA mmap_size=268435456", "PRAGMA cache_size=-32768")


def _reading_pragmas(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    cursor = dbapi_connection.cursor()
    for pragma in SQLITE_READING:
        cursor.execute(pragma)
    cursor.close()


def create_app(settings: Settings, engine: Engine) -> Starlette:
    """The console on this store (already at head; the caller owns the engine: on SQLite, each
    connection taken from it gets the console's read pragmas, those pooled already too)."""
    if engine.dialect.name == "sqlite" and not event.contains(engine, "checkout", _reading_pragmas):
        event.listen(engine, "checkout", _reading_pragmas)
    gate = Gate(
        engine,
        console_secret(settings.effective_console_secret_file),
        timedelta(minutes=settings.console_session_minutes),
        settings.console_trusted_proxy_header,
        settings.console_trusted_proxies,
    )
    limiter = LoginLimiter(settings.console_login_max_failures, settings.console_login_window_seconds)
    app = Starlette(
        routes=_routes(),
        middleware=[Middleware(RequestLog), Middleware(SecurityHeaders)],
        exception_handlers={404: _not_found, 405: _not_found, 500: _server_error},
    )
    app.state.console = Console(settings, engine, gate, limiter)
    return app


__all__ = ["Console", "console_of", "create_app"]
