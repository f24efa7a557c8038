"""`exchange reconcile`: match the parties of stored files to the registry."""

from __future__ import annotations

from typing import Any

import click

from exchange.cli.context import CliContext, emit, json_option, pass_context
from exchange.cli.store_access import open_store
from exchange.reconcile.awaiting import files_awaiting, registry_notice
from exchange.reconcile.reports import rematch_reports, report_files
from exchange.reconcile.service import files_with_reports, rematch, train_models


def _human(result: dict[str, Any]) -> str:
    waiting = f", {result['awaiting']} awaiting the registry" if result["awaiting"] else ""
    lines = [
        f"{result['files']} files, {result['parties']} parties: {result['match']} matched, "
        f"{result['candidates']} with candidates, {result['no_match']} unmatched, "
        f"{result['conflict']} conflicts{waiting} ({result['seconds']:.1f}s)"
    ]
    for kind in ("sellers", "companies"):
        if result.get(kind):
            decisions = ", ".join(f"{count} {decision}" for decision, count in result[kind].items())
            lines.append(f"DPI/CbC {kind}: {decisions}")
    return "\n".join(lines)


def _trained(result: dict[str, Any]) -> str:
    lines = []
    for kind, trained in result.items():
        sessions = "; ".join(
            f"{name}: {session['pairs']} pairs, "
            + (session["result"] if "result" in session else f"{session['iterations']} EM iterations")
            for name, session in trained["sessions"].items()
        )
        lines.append(
            f"{kind}: model {trained['version']} ({trained['random_pairs']} random pairs; {sessions})"
        )
    lines.append(
        "decisions from now on use these models: `exchange reconcile --rematch` applies them to stored files"
    )
    return "\n".join(lines)


@click.command("reconcile")
@click.option("--file", "file_ids", type=int, multiple=True, help="Reconcile this stored file (repeatable).")
@click.option(
    "--rematch",
    "everything",
    is_flag=True,
    help="Recompute every file's decisions (after a registry update).",
)
@click.option(
    "--train",
    is_flag=True,
    help="Instead: train the linkage model (EM on the registry and the stored parties) and store it as "
    "a new version, which later decisions use.",
)
@json_option
@pass_context
def reconcile_command(
    context: CliContext, file_ids: tuple[int, ...], everything: bool, train: bool, as_json: bool
) -> None:
    """Match reported parties to the registry: the files given, every file with --rematch, and by
    default the stored files without decisions yet (new, or reconciled before the registry was loaded).

    With an empty registry nothing is matched: the parties are recorded as awaiting it."""
    settings = context.settings
    if train and (file_ids or everything):
        raise click.UsageError("--train trains the model only: run --file or --rematch after it")
    engine = open_store(settings)
    try:
        if train:
            emit(train_models(engine, settings), as_json, _trained)
            return
        if everything:
            chosen = files_with_reports(engine)
        elif file_ids:
            chosen = list(file_ids)
        else:
            with engine.connect() as connection:
                chosen = files_awaiting(connection)
        summary = rematch(engine, settings, chosen)
        # DPI sellers and CbC entities (exchange.reconcile.reports): the same choice of files.
        reports = report_files(engine, awaiting_only=not everything and not file_ids)
        if file_ids:
            reports = [file_id for file_id in file_ids if file_id in set(reports)]
        sellers_and_entities = rematch_reports(engine, settings, reports)
        with engine.connect() as connection:
            notice = registry_notice(connection)
    finally:
        engine.dispose()
    # Only when there were DPI or CbC files: the summary of a CRS store stays as it was.
    extra = {kind: counts for kind, counts in sellers_and_entities.items() if counts}
    emit({**summary.to_dict(), **extra}, as_json, _human)
    if notice is not None:
        click.echo(f"warning: {notice}", err=True)
