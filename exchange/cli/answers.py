"""`exchange answers resend`: publish stored status messages and pending flag events again.

An operator's action, recorded in the audit trail (`answers.resend`). After a broker lost what it had
acknowledged, `--since` the moment of the loss sends partners their answers again, byte for byte.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import TYPE_CHECKING, Any

import click
from sqlalchemy import Engine

from exchange.audit import OPERATOR_ENV, current_user, record
from exchange.cli.context import CliContext, emit, json_option, pass_context
from exchange.cli.options import operator_option, time_window_options
from exchange.cli.store_access import open_store
from exchange.errors import ExchangeError, ServiceUnavailableError

if TYPE_CHECKING:
    from consumers.resend import ResendReport
    from exchange.store.answers import AnswerSelection


class NothingToResendError(ExchangeError):
    """A file asked for has no answer that can be sent again."""


@click.group("answers")
def answers_group() -> None:
    """Status messages sent to partners."""


@answers_group.command("resend")
@click.option("--file", "file_ids", type=int, multiple=True, help="Only this file's answer (repeatable).")
@time_window_options
@operator_option
@json_option
@pass_context
def resend_command(
    context: CliContext,
    file_ids: tuple[int, ...],
    since: datetime | None,
    until: datetime | None,
    operator: str | None,
    as_json: bool,
) -> None:
    """Publish stored answers again, then every flag event not yet published.

    Without options: the answers never recorded as sent. --file: those files' answers. --since/--until:
    the answers sent (or built) in that window, and the flag events published in it. A file still
    being processed is left to `exchange run`. The bytes are the stored ones: a partner that had an
    answer already gets the very same one again.
    """
    from consumers.outbound import PublishError
    from consumers.resend import ResendReport, resend
    from exchange.store.answers import AnswerSelection, files_without_answer

    settings = context.settings
    selection = AnswerSelection(file_ids=tuple(sorted(set(file_ids))), since=since, until=until)
    engine = open_store(settings)
    try:
        if missing := files_without_answer(engine, selection.file_ids):
            raise NothingToResendError(
                f"no answer to send again for file(s) {', '.join(map(str, missing))}: none is stored "
                "yet, or the file is still being processed (see `exchange files list`)"
            )
        report = ResendReport()
        actor = current_user(operator, OPERATOR_ENV)
        try:
            asyncio.run(resend(settings, engine, selection, report))
        except PublishError as exc:
            reason = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            _audit(engine, actor, selection, report, error=reason)
            raise ServiceUnavailableError(
                f"the broker at {settings.kafka_bootstrap_servers} did not take them ({reason}); "
                f"{report.answers} answer(s) and {report.events} event(s) went out before: run it again"
            ) from None
        _audit(engine, actor, selection, report)
    finally:
        engine.dispose()
    emit(_summary(settings.topic_status, settings.topic_flags, report), as_json, _human)


def _audit(
    engine: Engine,
    actor: str,
    selection: AnswerSelection,
    report: ResendReport,
    error: str | None = None,
) -> None:
    details: dict[str, Any] = {
        "files": list(selection.file_ids),
        "since": selection.since.isoformat() if selection.since else None,
        "until": selection.until.isoformat() if selection.until else None,
        "answered_files": report.files,
        "answers": report.answers,
        "events": report.events,
    }
    if error is not None:
        details["error"] = error
    subject = f"file {selection.file_ids[0]}" if len(selection.file_ids) == 1 else None
    record(
        engine, actor, "answers.resend", details, subject=subject, row_count=report.answers + report.events
    )


def _summary(status_topic: str, flags_topic: str, report: ResendReport) -> dict[str, Any]:
    return {
        "answers": report.answers,
        "files": report.files,
        "events": report.events,
        "status_topic": status_topic,
        "flags_topic": flags_topic,
        "topics_created": report.topics_created,
    }


def _human(summary: dict[str, Any]) -> str:
    lines = [
        f"{summary['answers']} answer(s) published again on {summary['status_topic']}, "
        f"{summary['events']} flag event(s) on {summary['flags_topic']}"
    ]
    if summary["topics_created"]:
        lines.append(f"topics missing on the broker, created: {', '.join(summary['topics_created'])}")
    return "\n".join(lines)
