"""`exchange flags`: what analysts query — flagged mismatches with filters, one flag's evidence and match
explanation, aggregate study tables, the rules themselves — and `flags evaluate` for operators.

Every analyst query (list, show, study) is recorded in the audit trail before its result is shown,
and completed with the rows it showed. An export writes every flag that matches, streamed, unless
`--limit` is given; the terminal table shows a page. Before the registry is loaded, or while files
wait to be matched against it, the commands say so (on stderr): the flags that need it are not there.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import click
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from exchange.anomalies import FLAG_RULES, evaluate_all, evaluate_file
from exchange.anomalies.audit import ANALYST_ENV, audited_query, current_analyst, flag_subject
from exchange.anomalies.events import FlagChanges
from exchange.anomalies.export import FLAG_COLUMNS, STUDY_COLUMNS, write_one_json
from exchange.anomalies.queries import SORTS, STATES, FlagQuery, count_flags, iter_flags, show_flag
from exchange.anomalies.study import study_table
from exchange.cli.context import CliContext, emit, json_option, pass_context
from exchange.cli.options import time_window_options
from exchange.cli.results import (
    AMOUNT,
    format_options,
    limit_option,
    open_target,
    page_size,
)
from exchange.cli.store_access import open_store
from exchange.errors import ExchangeError
from exchange.reconcile.awaiting import registry_notice


class FlagNotFoundError(ExchangeError):
    """No flag has the id asked for."""


analyst_option = click.option(
    "--analyst",
    envvar=ANALYST_ENV,
    help=f"Who is asking, for the audit (also {ANALYST_ENV}; default: the OS user).",
)


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
@click.option("--min-amount", type=AMOUNT, help="Only flags whose amount is at least this.")
@click.option("--max-amount", type=AMOUNT, help="Only flags whose amount is at most this.")
@click.option("--taxpayer", "national_id", help="Only flags about the taxpayer with this national id.")
@click.option("--taxpayer-id", type=int, help="Only flags about the taxpayer with this internal id.")
@click.option(
    "--min-score", type=click.FloatRange(0, 100), help="Only taxpayers whose risk score is at least this."
)
@click.option(
    "--file",
    "file_ids",
    type=int,
    multiple=True,
    help="Only flags of what this stored file touches: its accounts, their holders' years, its "
    "institutions (repeatable).",
)
@click.option(
    "--institution",
    "institutions",
    multiple=True,
    help="Only flags about this reporting institution: LU:LU12345678, or its IN alone (repeatable).",
)
@time_window_options
@click.option("--state", type=click.Choice(STATES), default="raised", show_default=True)
@click.option("--sort", type=click.Choice(sorted(SORTS)), default="score", show_default=True)
@click.option("--asc", "ascending", is_flag=True, help="Sort ascending (default: descending).")
@limit_option("flags")
@click.option("--offset", type=click.IntRange(min=0), default=0, show_default=True)
@format_options
@click.option("--json", "as_json", is_flag=True, help="Print the flags as JSON (--format json).")
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
    file_ids: tuple[int, ...],
    institutions: tuple[str, ...],
    since: datetime | None,
    until: datetime | None,
    state: str,
    sort: str,
    ascending: bool,
    limit: int | None,
    offset: int,
    output_format: str,
    output: Path | None,
    as_json: bool,
    analyst: str | None,
) -> None:
    """Flagged mismatches, riskiest taxpayers first: filter, sort, page, export (--since/--until: when
    the flag was raised).

    Subcommands show one flag, build the study tables, list the rules and evaluate stored files.
    """
    if click.get_current_context().invoked_subcommand is not None:
        return
    if as_json:
        if output_format not in ("table", "json"):
            raise click.UsageError("--json is --format json: give one of them")
        output_format = "json"
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
        file_ids=file_ids,
        institutions=institutions,
        raised_since=since,
        raised_until=until,
        state=state,
        sort=sort,
        descending=not ascending,
        limit=page_size(limit, output_format),
        offset=offset,
    )
    engine = open_store(context.settings)
    try:
        _warn_about_the_registry(engine)
        _list(engine, query, output_format, output, current_analyst(analyst))
    finally:
        engine.dispose()


def _list(engine: Engine, query: FlagQuery, output_format: str, output: Path | None, analyst: str) -> None:
    """Stream the flags to their target; the audit counts what was written."""
    with (
        open_target(output_format, output) as target,
        audited_query(engine, analyst, "list", query.to_dict(), output_format) as act,
        engine.connect() as connection,
    ):
        total = count_flags(connection, query) if output_format == "table" else 0
        target.write(act.counted(iter_flags(connection, query)), FLAG_COLUMNS, _footer(query, total))


def _footer(query: FlagQuery, total: int) -> Callable[[int], str]:
    def footer(shown: int) -> str:
        first = query.offset + 1
        line = f"flags {first}-{query.offset + shown} of {total}" if shown else f"flags: none of {total}"
        if query.offset + shown < total:
            line += " (--limit and --offset for more; --format csv|json|parquet exports them all)"
        return line

    return footer


def _warn_about_the_registry(engine: Engine) -> None:
    with engine.connect() as connection:
        notice = registry_notice(connection)
    if notice is not None:
        click.echo(f"warning: {notice}", err=True)


@flags_group.command("show")
@click.argument("flag_id", type=int)
@json_option
@analyst_option
@pass_context
def show_command(context: CliContext, flag_id: int, as_json: bool, analyst: str | None) -> None:
    """One flag: its rule and why it matters, its evidence, the account, the match explanation; for a
    flag about no known taxpayer, the name and TIN the person was reported under."""
    engine = open_store(context.settings)
    output_format = "json" if as_json else "table"
    try:
        with Session(engine) as session:
            shown = show_flag(session, flag_id)
        subject = flag_subject(shown, flag_id)
        filters = {"flag_id": flag_id}
        with audited_query(engine, current_analyst(analyst), "show", filters, output_format, subject) as act:
            if shown is None:
                raise FlagNotFoundError(f"no flag {flag_id}")
            if as_json:
                write_one_json(shown, sys.stdout)
            else:
                click.echo(_human_flag(shown))
            act.rows = 1
    finally:
        engine.dispose()


def _human_flag(flag: dict[str, Any]) -> str:
    amount = "-" if flag["amount"] is None else f"{flag['amount']:,.2f} {flag['currency']}"
    lines = [
        f"flag {flag['id']}  {flag['code']} {flag['name']}  {flag['severity']} ({flag['score']} points)  "
        f"{flag['state']}",
    ]
    if flag["rule"]:
        lines.append(f"  why: {flag['rule']['why']}")
    lines.append(
        f"  taxpayer: {flag['national_id'] or '-'} (id {flag['taxpayer_id'] or '-'}), "
        f"risk {flag['taxpayer_score'] if flag['taxpayer_score'] is not None else '-'}"
    )
    if flag["taxpayer_id"] is None and (flag["reported_name"] or flag["reported_tin"]):
        lines.append(
            f"  reported as: {flag['reported_name'] or '-'}, TIN {flag['reported_tin'] or 'none given'}"
        )
    lines += [
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
@format_options
@analyst_option
@pass_context
def study_command(context: CliContext, output_format: str, output: Path | None, analyst: str | None) -> None:
    """Counts and amounts of raised flags by code, sender and reporting year, without personal data;
    cells about fewer subjects than EXCHANGE_FLAG_STUDY_MIN_TAXPAYERS are suppressed."""
    settings = context.settings
    least = settings.flag_study_min_taxpayers
    engine = open_store(settings)
    try:
        filters = {"min_subjects": least}
        with (
            open_target(output_format, output) as target,
            audited_query(engine, current_analyst(analyst), "study", filters, output_format) as act,
        ):
            with Session(engine) as session:
                rows = study_table(session, least)
            hidden = sum(row["suppressed"] for row in rows)
            footer = f"{hidden} cell(s) about fewer than {least} subjects suppressed"
            target.write(act.counted(rows), STUDY_COLUMNS, lambda _: footer)
    finally:
        engine.dispose()


@flags_group.command("rules")
@json_option
@pass_context
def rules_command(context: CliContext, as_json: bool) -> None:
    """The flag rules: code, name, severity, scope, why it matters, thresholds with their values, and
    what a record error about a balance does to each."""
    settings = context.settings
    emit([rule.describe(settings) for rule in FLAG_RULES], as_json, _human_rules)


def _human_rules(rules: list[dict[str, Any]]) -> str:
    lines = [f"{len(rules)} flag rules"]
    for rule in rules:
        lines.append(f"{rule['code']}  {rule['severity']:<6}  {rule['scope']:<11}  {rule['name']}")
        lines.append(f"      {rule['why']}")
        for name, value in rule["thresholds"].items():
            lines.append(f"      {name} = {value}")
        lines.append(f"      with a disputed balance: {rule['on_record_error']}")
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
        _warn_about_the_registry(engine)
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
