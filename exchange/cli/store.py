"""`exchange files`: the files the store received, their state and their errors by code."""

from __future__ import annotations

from typing import Any

import click
from sqlalchemy.orm import Session

from exchange import db
from exchange.cli.context import CliContext, emit, json_option, pass_context
from exchange.states import FileState
from exchange.store.queries import files, findings_by_code


@click.group("files")
def files_group() -> None:
    """Received files: list them, find their errors by code."""


def _human_files(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return "no files"
    heading = ("id", "received (UTC)", "sender", "state", "code", "stored", "message")
    lines = ["{:>6}  {:<19}  {:<6}  {:<10}  {:>5}  {:>7}  {}".format(*heading)]
    for row in rows:
        lines.append(
            f"{row['id']:>6}  {row['received_at'][:19]:<19}  {row['sender']:<6}  {row['state']:<10}  "
            f"{row['rejection_code'] or '':>5}  {row['records_stored']:>7}  {row['message_ref_id'] or '-'}"
        )
    return "\n".join(lines)


@files_group.command("list")
@click.option(
    "--state", type=click.Choice([state.value for state in FileState]), help="Only files in this state."
)
@click.option("--sender", help="Only files of this sending jurisdiction.")
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True)
@json_option
@pass_context
def list_command(
    context: CliContext, state: str | None, sender: str | None, limit: int, as_json: bool
) -> None:
    """The latest files first."""
    engine = db.create_db_engine(context.settings.effective_database_url)
    try:
        with Session(engine) as session:
            found = files(session, state=FileState(state) if state else None, sender=sender, limit=limit)
            rows = [
                {
                    "id": file.id,
                    "packet_sha256": file.packet_sha256,
                    "sender": file.sender,
                    "message_ref_id": file.message_ref_id,
                    "state": file.state.value,
                    "rejection_code": file.rejection_code,
                    "records_stored": file.records_stored,
                    "records_refused": file.records_refused,
                    "received_at": file.received_at.isoformat(),
                }
                for file in found
            ]
    finally:
        engine.dispose()
    emit(rows, as_json, _human_files)


@files_group.command("errors")
@click.argument("code", type=int)
@click.option("--sender", help="Only files of this sending jurisdiction.")
@json_option
@pass_context
def errors_command(context: CliContext, code: int, sender: str | None, as_json: bool) -> None:
    """The findings with one OECD error code, across files."""
    engine = db.create_db_engine(context.settings.effective_database_url)
    try:
        with Session(engine) as session:
            rows = [
                {
                    "file_id": finding.file_id,
                    "sender": finding.file.sender,
                    "code": finding.code,
                    "level": finding.level,
                    "doc_ref_ids": finding.doc_ref_ids,
                    "message": finding.message,
                }
                for finding in findings_by_code(session, code, sender=sender)
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
