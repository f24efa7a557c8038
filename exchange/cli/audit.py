"""`exchange audit`: the audit trail, newest first: who saw or did what, when, about whom.

The trail holds analysts' queries of personal data (`flags.*`) and operators' actions (`dlq.*`,
`answers.resend`, ...). Reading it is itself recorded (`audit.read`), after the moment the listing
stops at, so a listing never shows itself.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import click

from exchange.anomalies.export import AUDIT_COLUMNS
from exchange.audit import AUDITOR_ENV, AuditFilter, audited, current_user, read_trail
from exchange.cli.context import CliContext, pass_context
from exchange.cli.options import time_window_options
from exchange.cli.results import formats_option, limit_option, open_target, page_size
from exchange.cli.store_access import open_store


@click.command("audit")
@click.option(
    "--actor", "--analyst", "actor", help="Only what this person did or asked (analyst or operator)."
)
@click.option(
    "--action",
    "action_prefix",
    help="Only actions that start with this: flags. (analysts' queries), flags.show, dlq., ...",
)
@time_window_options
@limit_option("entries")
@formats_option(("table", "csv", "json"))
@click.option(
    "--auditor",
    envvar=AUDITOR_ENV,
    help=f"Who is reading, for the trail (also {AUDITOR_ENV}; default: the OS user).",
)
@pass_context
def audit_command(
    context: CliContext,
    actor: str | None,
    action_prefix: str | None,
    since: datetime | None,
    until: datetime | None,
    limit: int | None,
    output_format: str,
    output: Path | None,
    auditor: str | None,
) -> None:
    """The audit trail, newest first: analysts' queries and operators' actions, filtered by person,
    action and time (--since/--until: a date, a date and time, or a duration such as 24h)."""
    now = datetime.now(UTC)
    where = AuditFilter(
        actor=actor,
        action_prefix=action_prefix,
        since=since,
        until=now if until is None else min(until, now),
    )
    details = {
        "actor": actor,
        "action_prefix": action_prefix,
        "since": since.isoformat() if since else None,
        "until": until.isoformat() if until else None,
        "limit": limit,
    }
    rows = page_size(limit, output_format)
    engine = open_store(context.settings)
    try:
        with (
            open_target(output_format, output) as target,
            audited(
                engine,
                current_user(auditor, AUDITOR_ENV),
                "audit.read",
                details,
                output_format=output_format,
            ) as act,
        ):
            target.write(act.counted(read_trail(engine, where, rows)), AUDIT_COLUMNS, _footer(rows))
    finally:
        engine.dispose()


def _footer(limit: int | None) -> Callable[[int], str]:
    def footer(shown: int) -> str:
        more = limit is not None and shown == limit
        hint = " (--limit for more, --format csv|json for all)" if more else ""
        return f"{shown} entries, newest first{hint}"

    return footer
