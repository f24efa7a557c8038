"""`exchange files`: the files the store received, their verdict, state and errors by code, and one
file's whole story.

Every view says a file's verdict with `exchange.states.Outcome` (accepted, accepted_with_errors,
rejected; `-` while the file is still on its way) beside its processing step (FileState).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import click
from sqlalchemy.orm import Session

from exchange.cli.context import CliContext, emit, json_option, pass_context
from exchange.cli.options import time_window_options
from exchange.cli.store_access import read_store
from exchange.errors import ExchangeError
from exchange.states import FileState, Outcome, outcome_of
from exchange.store.queries import (
    FileFilter,
    codes_of_files,
    files,
    findings_by_code,
    record_errors_of_files,
)
from exchange.store.story import FileKeyError, file_key, file_story, find_file, operator_text


class FileNotFoundInStoreError(ExchangeError):
    """No received file has the id or SHA-256 asked for."""


@click.group("files")
def files_group() -> None:
    """Received files: list them, find their errors by code, show one file's story."""


def _human_files(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return "no files"
    heading = ("id", "received (UTC)", "sender", "outcome", "state", "stored", "refused", "codes", "message")
    template = "{:>6}  {:<19}  {:<6}  {:<20}  {:<10}  {:>7}  {:>7}  {:<17}  {}"
    lines = [template.format(*heading)]
    for row in rows:
        lines.append(
            template.format(
                row["id"],
                row["received_at"][:19],
                row["sender"],
                row["outcome"] or "-",
                row["state"],
                row["records_stored"],
                row["records_refused"],
                " ".join(str(code) for code in row["codes"]) or "-",
                row["message_ref_id"] or "-",
            )
        )
    return "\n".join(lines)


@files_group.command("list")
@click.option(
    "--state", type=click.Choice([state.value for state in FileState]), help="Only files in this state."
)
@click.option(
    "--outcome",
    type=click.Choice([outcome.value for outcome in Outcome]),
    help="Only files with this verdict.",
)
@click.option("--sender", help="Only files of this sending jurisdiction.")
@time_window_options
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True)
@json_option
@pass_context
def list_command(
    context: CliContext,
    state: str | None,
    outcome: str | None,
    sender: str | None,
    since: datetime | None,
    until: datetime | None,
    limit: int,
    as_json: bool,
) -> None:
    """The latest files first, with their verdict, state and every code they drew.

    --since and --until take a date (2026-12-01), a date and time, or a duration back from now (24h).
    """
    where = FileFilter(
        state=FileState(state) if state else None,
        outcome=Outcome(outcome) if outcome else None,
        sender=sender,
        since=since,
        until=until,
    )
    engine = read_store(context.settings)
    try:
        with Session(engine) as session:
            rows = file_rows(session, where, limit)
    finally:
        engine.dispose()
    emit(rows, as_json, _human_files)


def file_rows(session: Session, where: FileFilter, limit: int, offset: int = 0) -> list[dict[str, Any]]:
    """The files `where` selects, newest first, as `files list` and the console's files page show them."""
    found = files(session, where=where, limit=limit, offset=offset)
    ids = [file.id for file in found]
    codes, record_errors = codes_of_files(session, ids), record_errors_of_files(session, ids)
    rows = []
    for file in found:
        verdict = outcome_of(file.state, bool(codes[file.id]))
        rows.append(
            {
                "id": file.id,
                "packet_sha256": file.packet_sha256,
                "sender": file.sender,
                "message_ref_id": file.message_ref_id,
                "outcome": verdict.value if verdict else None,
                "state": file.state.value,
                "codes": codes[file.id],
                "rejection_code": file.rejection_code,
                "records_stored": file.records_stored,
                "records_refused": file.records_refused,
                "record_errors": record_errors[file.id],
                "received_at": file.received_at.isoformat(),
            }
        )
    return rows


@files_group.command("errors")
@click.argument("code", type=int)
@click.option("--sender", help="Only files of this sending jurisdiction.")
@time_window_options
@json_option
@pass_context
def errors_command(
    context: CliContext,
    code: int,
    sender: str | None,
    since: datetime | None,
    until: datetime | None,
    as_json: bool,
) -> None:
    """The findings with one OECD error code, across files (--since/--until: when the files arrived)."""
    where = FileFilter(sender=sender, since=since, until=until)
    engine = read_store(context.settings)
    try:
        with Session(engine) as session:
            rows = [
                {
                    "file_id": finding.file_id,
                    "sender": finding.file.sender,
                    "code": finding.code,
                    "level": finding.level,
                    "doc_ref_ids": finding.doc_ref_ids,
                    "field_paths": finding.field_paths,
                    "line": finding.line,
                    "message": operator_text(finding.message),
                }
                for finding in findings_by_code(session, code, where=where)
            ]
    finally:
        engine.dispose()
    emit(rows, as_json, _human_findings)


def _human_findings(rows: list[dict[str, Any]]) -> str:
    lines = [
        f"file {row['file_id']} ({row['sender']}) {row['code']} {' '.join(row['doc_ref_ids'])}: "
        + row["message"]
        for row in rows
    ]
    return "\n".join(lines) or "no findings"


@files_group.command("show")
@click.argument("key", metavar="ID|SHA256")
@click.option(
    "--findings",
    "max_findings",
    type=click.IntRange(min=0),
    default=100,
    show_default=True,
    help="Show at most this many findings (0: all of them).",
)
@json_option
@pass_context
def show_command(context: CliContext, key: str, max_findings: int, as_json: bool) -> None:
    """One file's story: what arrived, each step with its time, every finding, the status message and
    whether it went out, the records stored and refused, the flags raised on its reports.

    No personal data: codes, counts, DocRefIds and institutions only.
    """
    try:
        wanted = file_key(key)
    except FileKeyError as exc:
        raise click.BadParameter(str(exc), param_hint="ID|SHA256") from None
    engine = read_store(context.settings)
    try:
        with Session(engine) as session:
            file = find_file(session, wanted)
            if file is None:
                raise FileNotFoundInStoreError(
                    f"no file {key} in the store: `exchange files list` shows them"
                )
            story = file_story(session, file, max_findings or None)
    finally:
        engine.dispose()
    emit(story, as_json, _human_story)


def _human_story(story: dict[str, Any]) -> str:
    header = story["header"] or {}
    described = f"{header.get('format', 'unread')} {header.get('message_type_indic') or ''}".rstrip()
    lines = [
        f"file {story['id']}: {story['sender']} -> {story['receiver']} {story['communication_type']} "
        f"({story['profile']}), {described}",
        f"  outcome         {story['outcome'] or '- (not settled)'}",
        f"  state           {story['state']}",
        f"  packet          {story['packet_sha256']}, {story['packet_size']:,} bytes"
        + (f" ({story['payload_size']:,} inflated)" if story["payload_size"] else ""),
        f"  MessageRefId    {story['message_ref_id'] or '-'}"
        + (f", reporting period {header['reporting_period']}" if header else ""),
    ]
    if header.get("corr_message_ref_ids"):
        lines.append(f"  corrects        {' '.join(header['corr_message_ref_ids'])}")
    lines += ["", "timeline (UTC)"]
    lines += [f"  {event['at'][:19].replace('T', ' ')}  {event['state']}" for event in story["timeline"]]
    lines += ["", *_human_story_findings(story), "", *_human_status(story["status_message"])]
    records = story["records"]
    lines += [
        "",
        f"records: {records['stored']} stored, {records['refused']} refused, "
        f"{records['record_errors']} record error(s)",
    ]
    for kind, states in records["versions"].items():
        lines.append(f"  {kind}: " + ", ".join(f"{count} {state}" for state, count in states.items()))
    flags = story["flags"]
    by_code = ", ".join(
        f"{code} " + "/".join(f"{n} {state}" for state, n in states.items())
        for code, states in flags["by_code"].items()
    )
    lines.append(f"flags on its reports: {by_code or 'none'}")
    return "\n".join(lines)


def _human_story_findings(story: dict[str, Any]) -> list[str]:
    total = story["findings_total"]
    if not total:
        return ["findings: none"]
    lines = [f"findings ({total}; codes {' '.join(str(code) for code in story['codes'])})"]
    for finding in story["findings"]:
        where = " ".join(
            part
            for part in (
                " ".join(finding["doc_ref_ids"]),
                " ".join(finding["field_paths"]),
                f"line {finding['line']}" if finding["line"] is not None else "",
            )
            if part
        )
        lines.append(f"  {finding['code']} {finding['level']:<6} {where}: {finding['message']}")
    if len(story["findings"]) < total:
        lines.append(
            f"  ... {total - len(story['findings'])} more (--findings 0 shows all; "
            "`exchange files errors CODE` lists one code)"
        )
    return lines


def _human_status(status: dict[str, Any] | None) -> list[str]:
    if status is None:
        return ["status message: none (the sender could not be answered)"]
    verdict = "Accepted" if status["accepted"] else "Rejected"
    sent = (
        f"sent {status['sent_at'][:19].replace('T', ' ')} (acknowledged)"
        if status["acknowledged"]
        else "not sent yet (no acknowledgement)"
    )
    return [f"status message {status['message_ref_id']}: {verdict}, {sent}"]
