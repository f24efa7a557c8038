"""`exchange flags`: what analysts query — flagged mismatches with filters, one flag's evidence and match
explanation, aggregate study tables, the rules themselves — and `flags evaluate` for operators.

Every analyst query (list, show, study) is recorded in the audit table before its result is printed.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Callable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import click
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from exchange.anomalies import FLAG_RULES, evaluate_all, evaluate_file
from exchange.anomalies.audit import ANALYST_ENV, current_analyst, record_query
from exchange.anomalies.events import FlagChanges
from exchange.anomalies.export import (
    FLAG_COLUMNS,
    FORMATS,
    STUDY_COLUMNS,
    Column,
    render_table,
    write_csv,
    write_json,
    write_parquet,
)
from exchange.anomalies.queries import SORTS, STATES, FlagQuery, count_flags, list_flags, show_flag
from exchange.anomalies.study import study_table
from exchange.cli.context import CliContext, emit, json_option, pass_context
from exchange.cli.store_access import open_store
from exchange.errors import ExchangeError


class FlagNotFoundError(ExchangeError):
    """No flag has the id asked for."""


analyst_option = click.option(
    "--analyst",
    envvar=ANALYST_ENV,
    help=f"Who is asking, for the audit (also {ANALYST_ENV}; default: the OS user).",
)


def _format_options(command: Callable[..., Any]) -> Callable[..., Any]:
    command = click.option(
        "--output",
        "-o",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Write to this file instead of the terminal (required for parquet).",
    )(command)
    return click.option(
        "--format", "output_format", type=click.Choice(FORMATS), default="table", show_default=True
    )(command)


def _write(
    rows: Sequence[dict[str, Any]],
    columns: Sequence[Column],
    output_format: str,
    output: Path | None,
    footer: str = "",
) -> None:
    if output_format == "parquet":
        if output is None:
            raise click.UsageError("--format parquet needs --output FILE")
        write_parquet(rows, columns, output)
    else:
        buffer = io.StringIO()
        if output_format == "csv":
            write_csv(rows, columns, buffer)
        elif output_format == "json":
            write_json(rows, buffer)
        else:
            buffer.write(render_table(rows, columns) + ("\n" + footer if footer else "") + "\n")
        if output is None:
            sys.stdout.write(buffer.getvalue())
        else:
            output.write_text(buffer.getvalue())
    if output is not None:
        click.echo(f"{len(rows)} rows written to {output}", err=True)


@click.group("flags", invoke_without_command=True)
@click.option("--code", "codes", multiple=True, help="Only this flag code, e.g. DC01 (repeatable).")
@click.option(
    "--sender", "senders", multiple=True, help="Only flags from this sending jurisdiction (repeatable)."
)
@click.option("--year", "years", type=int, multiple=True, help="Only this reporting year (repeatable).")
@click.option(
    "--severity",
    "severities",
    type=click.Choice(["low", "medium", "high"]),
    multiple=True,
    help="Only flags of this severity (repeatable).",
)
@click.option("--min-amount", type=Decimal, help="Only flags whose amount is at least this.")
@click.option("--max-amount", type=Decimal, help="Only flags whose amount is at most this.")
@click.option("--taxpayer", "national_id", help="Only flags about the taxpayer with this national id.")
@click.option("--taxpayer-id", type=int, help="Only flags about the taxpayer with this internal id.")
@click.option(
    "--min-score", type=click.FloatRange(0, 100), help="Only taxpayers whose risk score is at least this."
)
@click.option("--state", type=click.Choice(STATES), default="raised", show_default=True)
@click.option("--sort", type=click.Choice(sorted(SORTS)), default="score", show_default=True)
@click.option("--asc", "ascending", is_flag=True, help="Sort ascending (default: descending).")
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True)
@click.option("--offset", type=click.IntRange(min=0), default=0, show_default=True)
@_format_options
@analyst_option
@pass_context
def flags_group(
    context: CliContext,
    codes: tuple[str, ...],
    senders: tuple[str, ...],
    years: tuple[int, ...],
    severities: tuple[str, ...],
    min_amount: Decimal | None,
    max_amount: Decimal | None,
    national_id: str | None,
    taxpayer_id: int | None,
    min_score: float | None,
    state: str,
    sort: str,
    ascending: bool,
    limit: int,
    offset: int,
    output_format: str,
    output: Path | None,
    analyst: str | None,
) -> None:
    """Flagged mismatches, riskiest taxpayers first: filter, sort, page, export.

    Subcommands show one flag, build the study tables, list the rules and evaluate stored files.
    """
    if click.get_current_context().invoked_subcommand is not None:
        return
    query = FlagQuery(
        codes=codes,
        senders=senders,
        years=years,
        severities=severities,
        min_amount=min_amount,
        max_amount=max_amount,
        national_id=national_id,
        taxpayer_id=taxpayer_id,
        min_score=min_score,
        state=state,
        sort=sort,
        descending=not ascending,
        limit=limit,
        offset=offset,
    )
    engine = open_store(context.settings)
    try:
        with Session(engine) as session:
            rows = list_flags(session, query)
            total = count_flags(session, query)
        record_query(engine, current_analyst(analyst), "list", query.to_dict(), len(rows), output_format)
    finally:
        engine.dispose()
    shown = f"{offset + 1}-{offset + len(rows)}" if rows else "none"
    _write(rows, FLAG_COLUMNS, output_format, output, footer=f"flags {shown} of {total}")


@flags_group.command("show")
@click.argument("flag_id", type=int)
@json_option
@analyst_option
@pass_context
def show_command(context: CliContext, flag_id: int, as_json: bool, analyst: str | None) -> None:
    """One flag: its rule and why it matters, its evidence, the account, the match explanation."""
    engine = open_store(context.settings)
    try:
        with Session(engine) as session:
            shown = show_flag(session, flag_id)
        output_format = "json" if as_json else "table"
        record_query(
            engine,
            current_analyst(analyst),
            "show",
            {"flag_id": flag_id},
            int(shown is not None),
            output_format,
        )
    finally:
        engine.dispose()
    if shown is None:
        raise FlagNotFoundError(f"no flag {flag_id}")
    if as_json:
        buffer = io.StringIO()
        write_json([shown], buffer)
        click.echo(buffer.getvalue().rstrip())
    else:
        click.echo(_human_flag(shown))


def _human_flag(flag: dict[str, Any]) -> str:
    amount = "-" if flag["amount"] is None else f"{flag['amount']:,.2f} {flag['currency']}"
    lines = [
        f"flag {flag['id']}  {flag['code']} {flag['name']}  {flag['severity']} ({flag['score']} points)  "
        f"{flag['state']}",
    ]
    if flag["rule"]:
        lines.append(f"  why: {flag['rule']['why']}")
    lines += [
        f"  taxpayer: {flag['national_id'] or '-'} (id {flag['taxpayer_id'] or '-'}), "
        f"risk {flag['taxpayer_score'] if flag['taxpayer_score'] is not None else '-'}",
        f"  from {flag['sender'] or 'several senders'}, reporting year {flag['reporting_year']}, "
        f"amount {amount}",
        "  evidence:",
        *(f"    {key}: {value}" for key, value in sorted(flag["evidence"].items())),
    ]
    if flag["account"]:
        account = flag["account"]
        lines.append(
            f"  account: {account['doc_ref_id']} ({account['doc_type_indic']}, {account['state']}) "
            f"in file {account['file_id']}"
        )
    lines += _human_match(flag["match"])
    if flag["other_flags"]:
        others = ", ".join(f"{o['id']} {o['code']}" for o in flag["other_flags"])
        lines.append(f"  the taxpayer's other raised flags: {others}")
    return "\n".join(lines)


def _human_match(match: dict[str, Any] | None) -> list[str]:
    if match is None:
        return []
    probability = "-" if match["probability"] is None else f"{match['probability']:.4f}"
    lines = [
        f"  match: {match['decision']} by {match['method']}, taxpayer id {match['taxpayer_id'] or '-'}, "
        f"probability {probability}"
    ]
    explanation = match["explanation"]
    for field in explanation.get("fields", []):
        weight = field.get("weight")
        lines.append(f"    {field.get('field')}: {field.get('level', '')} weight {weight}")
    for key, value in sorted(explanation.items()):
        if key != "fields":
            lines.append(f"    {key}: {value}")
    for candidate in match["candidates"]:
        lines.append(
            f"    candidate taxpayer {candidate['taxpayer_id']}: probability {candidate['probability']}"
        )
    return lines


@flags_group.command("study")
@_format_options
@analyst_option
@pass_context
def study_command(context: CliContext, output_format: str, output: Path | None, analyst: str | None) -> None:
    """Counts and amounts of raised flags by code, sender and reporting year, without personal data;
    cells about fewer subjects than EXCHANGE_FLAG_STUDY_MIN_TAXPAYERS are suppressed."""
    settings = context.settings
    engine = open_store(settings)
    try:
        with Session(engine) as session:
            rows = study_table(session, settings.flag_study_min_taxpayers)
        filters = {"min_subjects": settings.flag_study_min_taxpayers}
        record_query(engine, current_analyst(analyst), "study", filters, len(rows), output_format)
    finally:
        engine.dispose()
    hidden = sum(row["suppressed"] for row in rows)
    footer = f"{hidden} cell(s) about fewer than {settings.flag_study_min_taxpayers} subjects suppressed"
    _write(rows, STUDY_COLUMNS, output_format, output, footer=footer)


@flags_group.command("rules")
@json_option
@pass_context
def rules_command(context: CliContext, as_json: bool) -> None:
    """The flag rules: code, name, severity, scope, why it matters, thresholds with their values."""
    settings = context.settings
    emit([rule.describe(settings) for rule in FLAG_RULES], as_json, _human_rules)


def _human_rules(rules: list[dict[str, Any]]) -> str:
    lines = [f"{len(rules)} flag rules"]
    for rule in rules:
        lines.append(f"{rule['code']}  {rule['severity']:<6}  {rule['scope']:<11}  {rule['name']}")
        lines.append(f"      {rule['why']}")
        for name, value in rule["thresholds"].items():
            lines.append(f"      {name} = {value}")
    return "\n".join(lines)


@flags_group.command("evaluate")
@click.option("--file", "file_ids", type=int, multiple=True, help="Evaluate this stored file (repeatable).")
@json_option
@pass_context
def evaluate_command(context: CliContext, file_ids: tuple[int, ...], as_json: bool) -> None:
    """(Re)evaluate the flags of the files given, or of the whole store (after a registry update and
    `exchange reconcile --rematch`, or new thresholds). Events wait in the outbox for publishing."""
    settings = context.settings
    engine = open_store(settings)
    try:
        changes = _evaluate(engine, file_ids, context)
    finally:
        engine.dispose()
    emit(
        changes.counts(),
        as_json,
        lambda c: f"{c['raised']} raised, {c['updated']} updated, {c['retracted']} retracted",
    )


def _evaluate(engine: Engine, file_ids: tuple[int, ...], context: CliContext) -> FlagChanges:
    if not file_ids:
        return evaluate_all(engine, context.settings)
    events = [
        event for file_id in file_ids for event in evaluate_file(engine, file_id, context.settings).events
    ]
    return FlagChanges(tuple(events))
