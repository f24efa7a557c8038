"""`exchange serve`: the web console for operators, analysts and auditors, on the store and the broker
of the settings, until Ctrl-C or SIGTERM.

The store must be at head (`exchange db upgrade`); a store, address or port that cannot be had is one
line on stderr, before anything is served. Users come from `exchange users add`.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import click
from sqlalchemy import Engine

from exchange.cli.context import CliContext, pass_context
from exchange.cli.store_access import open_store
from exchange.errors import ExchangeError
from exchange.logs import get_logger
from exchange.settings import Settings

log = get_logger(__name__)


class CannotListenError(ExchangeError):
    """The console's address or port cannot be listened on."""


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8080, show_default=True, help="Port.")
@pass_context
def serve_command(context: CliContext, host: str, port: int) -> None:
    """Serve the web console: operators' files, codes, dead letters and keys; analysts' flags,
    taxpayers and study tables (every view of personal data audited); the auditors' trail."""
    settings = context.settings
    engine = open_store(settings)
    try:
        serve_console(settings, engine, host, port)
    finally:
        engine.dispose()


def listening_socket(host: str, port: int) -> socket.socket:
    """The bound socket, or one line saying why not (in use, no such address)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        family, kind, proto, _, address = infos[0]
        sock = socket.socket(family, kind, proto)
    except OSError as exc:
        raise CannotListenError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(128)
    except OSError as exc:
        sock.close()
        raise CannotListenError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    return sock


def _server_class() -> type[Any]:
    import uvicorn

    class StoppingServer(uvicorn.Server):
        """uvicorn's server, whose SIGINT or SIGTERM ends `serve` normally (exit 0): uvicorn raises the
        signal again once it has shut down, which would end the process as killed (or "Aborted!")."""

        @contextmanager
        def capture_signals(self) -> Iterator[None]:
            with super().capture_signals():
                yield
                self._captured_signals.clear()

    return StoppingServer


def serve_console(
    settings: Settings,
    engine: Engine,
    host: str,
    port: int,
    on_ready: Callable[[str], None] | None = None,
) -> None:
    """Serve until SIGINT or SIGTERM; `on_ready(url)` once it listens."""
    import uvicorn

    from exchange.console import create_app
    from exchange.users import list_users

    app = create_app(settings, engine)
    sock = listening_socket(host, port)
    bound_host, bound_port = sock.getsockname()[:2]
    shown = f"[{bound_host}]" if ":" in bound_host else bound_host
    url = f"http://{shown}:{bound_port}/"
    if not list_users(engine):
        log.warning("the console has no users yet: add one with `exchange users add NAME --role ROLE`")
    config = uvicorn.Config(
        app,
        log_config=None,  # the product's logging (structlog) prints uvicorn's lines too
        access_log=False,  # RequestLog logs each request without its query string
        proxy_headers=False,  # the console decides whom to believe (console_trusted_proxies)
        server_header=False,
        lifespan="off",
    )
    server = _server_class()(config)
    log.info("console listening", url=url)
    if on_ready is not None:
        on_ready(url)
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
