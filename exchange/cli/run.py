"""`exchange run`: consume inbound packets from Kafka and answer each sender, until SIGTERM."""

from __future__ import annotations

import asyncio

import click

from exchange import db
from exchange.cli.context import CliContext, pass_context
from exchange.instance import claim_store
from exchange.logs import get_logger

log = get_logger(__name__)


@click.command("run")
@click.option(
    "--no-migrate", is_flag=True, help="Refuse to start on an outdated schema instead of migrating."
)
@pass_context
def run_command(context: CliContext, no_migrate: bool) -> None:
    """Consume the inbound topic, process each packet, publish the answers; stop cleanly on SIGTERM.

    Several processes with the same consumer group share the partitions. Metrics are served on
    EXCHANGE_METRICS_PORT (0 turns them off).
    """
    from consumers.faults import FaultInjector
    from consumers.pipeline_handler import pipeline_handler
    from consumers.service import serve
    from crypto import ReceivingContext

    settings = context.settings
    ReceivingContext.from_settings(settings)  # keys or certificates unusable on disk: one line, no start
    faults = FaultInjector.from_environment()
    engine = db.create_db_engine(settings.effective_database_url)
    try:
        db.ping(engine)
        if no_migrate:
            if db.current_revision(engine) != db.head_revision():
                raise click.ClickException("the store's schema is outdated: run `exchange db upgrade`")
        else:
            db.upgrade(engine)
        claim_store(engine, settings)
        files = asyncio.run(serve(settings, pipeline_handler(settings, engine, faults), faults=faults))
        log.info("exchange run finished", files=files)
    finally:
        engine.dispose()
