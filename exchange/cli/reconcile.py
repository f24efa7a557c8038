"""`exchange reconcile`: match the parties of stored files to the registry."""

from __future__ import annotations

from typing import Any

import click
from sqlalchemy import select

from exchange.cli.context import CliContext, emit, json_option, pass_context
from exchange.cli.store_access import open_store
from exchange.reconcile.models import PartyMatch
from exchange.reconcile.service import files_with_reports, rematch


def _human(result: dict[str, Any]) -> str:
    return (
        f"{result['files']} files, {result['parties']} parties: {result['match']} matched, "
        f"{result['candidates']} with candidates, {result['no_match']} unmatched, "
        f"{result['conflict']} conflicts ({result['seconds']:.1f}s)"
    )


@click.command("reconcile")
@click.option("--file", "file_ids", type=int, multiple=True, help="Reconcile this stored file (repeatable).")
@click.option(
    "--rematch",
    "everything",
    is_flag=True,
    help="Recompute every file's decisions (after a registry update).",
)
@json_option
@pass_context
def reconcile_command(
    context: CliContext, file_ids: tuple[int, ...], everything: bool, as_json: bool
) -> None:
    """Match reported parties to the registry: the files given, every file with --rematch, and by
    default the stored files that have no decisions yet."""
    settings = context.settings
    engine = open_store(settings)
    try:
        if everything:
            chosen = files_with_reports(engine)
        elif file_ids:
            chosen = list(file_ids)
        else:
            with engine.connect() as connection:
                done = set(connection.execute(select(PartyMatch.file_id).distinct()).scalars())
            chosen = [file_id for file_id in files_with_reports(engine) if file_id not in done]
        summary = rematch(engine, settings, chosen)
    finally:
        engine.dispose()
    emit(summary.to_dict(), as_json, _human)
