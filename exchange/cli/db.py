"""`exchange db`: schema migrations of the store."""

from __future__ import annotations

from typing import Any

import click

from exchange import db
from exchange.cli.context import CliContext, emit, json_option, pass_context
from exchange.errors import ConfigError
from exchange.instance import claim_store
from exchange.settings import mask_url


@click.group("db")
def db_group() -> None:
    """The store's schema: migrate, inspect."""


@db_group.command("upgrade")
@click.option("--revision", default="head", show_default=True, help="Alembic revision to migrate to.")
@json_option
@pass_context
def upgrade_command(context: CliContext, revision: str, as_json: bool) -> None:
    """Create or migrate the store's schema and claim it for this home jurisdiction."""
    try:
        db.check_revision(revision)
    except ConfigError as exc:
        raise click.BadParameter(str(exc), param_hint="--revision") from None
    settings = context.settings
    engine = db.create_db_engine(settings.effective_database_url)
    try:
        db.ping(engine)
        before = db.current_revision(engine)
        after = db.upgrade(engine, revision)
        identity = claim_store(engine, settings)
    finally:
        engine.dispose()
    result: dict[str, Any] = {
        "database": mask_url(settings.effective_database_url),
        "dialect": engine.dialect.name,
        "revision_before": before,
        "revision": after,
        "head": db.head_revision(),
        "home_jurisdiction": identity.home_jurisdiction,
    }
    emit(
        result,
        as_json,
        lambda r: (
            f"{r['database']}: {r['revision_before'] or 'empty'} -> {r['revision']} "
            f"(head {r['head']}, home {r['home_jurisdiction']})"
        ),
    )


@db_group.command("current")
@json_option
@pass_context
def current_command(context: CliContext, as_json: bool) -> None:
    """Show the store's schema revision and whether it is up to date (exit 1 when it is not)."""
    settings = context.settings
    engine = db.create_db_engine(settings.effective_database_url, create=False)
    try:
        db.ping(engine)
        current = db.current_revision(engine)
    finally:
        engine.dispose()
    head = db.head_revision()
    result = {
        "database": mask_url(settings.effective_database_url),
        "revision": current,
        "head": head,
        "up_to_date": current == head,
    }
    emit(result, as_json, lambda r: f"{r['database']}: {r['revision'] or 'empty'} (head {r['head']})")
    if current != head:
        click.get_current_context().exit(1)
