"""`exchange run`: consume inbound packets from Kafka and answer each sender, until SIGTERM."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any

import click
from sqlalchemy import Engine
from sqlalchemy.exc import InterfaceError, OperationalError

from exchange import db
from exchange.cli.context import CliContext, pass_context
from exchange.cli.store_access import StoreNotReadyError
from exchange.errors import ServiceUnavailableError
from exchange.instance import claim_store
from exchange.logs import get_logger
from exchange.settings import Settings, mask_url

if TYPE_CHECKING:
    from consumers.faults import FaultInjector
    from consumers.messages import PacketHandler
    from consumers.service import ServeOutcome

log = get_logger(__name__)


@click.command("run")
@click.option(
    "--no-migrate", is_flag=True, help="Refuse to start on an outdated schema instead of migrating."
)
@pass_context
def run_command(context: CliContext, no_migrate: bool) -> None:
    """Consume the inbound topic, process each packet, publish the answers; stop cleanly on SIGTERM.

    Several processes with the same consumer group share the partitions. A database or broker that is
    down is waited for (with backoff, logged) rather than given up on; `exchange health` tells whether
    this process is consuming. Metrics are served on EXCHANGE_METRICS_PORT (0 turns them off).
    """
    from consumers.faults import FaultInjector
    from consumers.service import serve
    from crypto import ReceivingContext

    settings = context.settings
    ReceivingContext.from_settings(settings)  # keys or certificates unusable on disk: one line, no start
    faults = FaultInjector.from_environment()
    engine = db.create_db_engine(settings.effective_database_url)
    serve_until_stopped(
        engine,
        serve(settings, lambda: _prepare(settings, engine, faults, no_migrate), faults=faults),
        "exchange run",
    )


def serve_until_stopped(engine: Engine, service: Coroutine[Any, Any, ServeOutcome], name: str) -> None:
    """Runs a consuming service (`exchange run`, `exchange submissions`) until it stops."""
    try:
        outcome = asyncio.run(service)
        log.info(f"{name} finished", files=outcome.files)
    except BaseException:
        engine.dispose()
        raise
    if outcome.left_work_behind:
        # A file abandoned by the stop is still running in a daemon thread: exit now rather than let
        # the interpreter's shutdown wait on it or tear it down. Its transaction dies with the process.
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)
    engine.dispose()


def _prepare(settings: Settings, engine: Engine, faults: FaultInjector, no_migrate: bool) -> PacketHandler:
    """The store ready (`prepare_store`), then the handler."""
    from consumers.pipeline_handler import pipeline_handler

    prepare_store(settings, engine, no_migrate)
    return pipeline_handler(settings, engine, faults)


def prepare_store(settings: Settings, engine: Engine, no_migrate: bool) -> None:
    """The store checked (and migrated) and claimed, as a consuming service needs it; raises
    ServiceUnavailableError while the database cannot be reached, so that the caller waits for it."""
    try:
        db.ping(engine)
        if no_migrate:
            current, head = db.current_revision(engine), db.head_revision()
            if current != head:
                raise StoreNotReadyError(
                    f"{mask_url(settings.effective_database_url)} is at schema {current or 'empty'}, "
                    f"not {head}: run `exchange db upgrade` first"
                )
        else:
            db.upgrade(engine)
        claim_store(engine, settings)
    except (OperationalError, InterfaceError) as exc:
        raise ServiceUnavailableError(
            f"database {mask_url(settings.effective_database_url)} is unreachable: {type(exc.orig).__name__}"
        ) from None
