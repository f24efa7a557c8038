"""`exchange status`: what an operator checks first — recent files, errors by code and by sender, and
what waits on the broker (dead letters, consumer lag).

The store answers from the database; the broker part is asked of Kafka. An unreachable broker is
reported in the output rather than failing the command: the store's half is what one needs most when
the broker is the thing that is down.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import click
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from exchange.cli.context import CliContext, emit, json_option, pass_context
from exchange.cli.options import time_window_options
from exchange.cli.store_access import read_store
from exchange.errors import ServiceUnavailableError
from exchange.settings import Settings
from exchange.states import outcome_of
from exchange.store.queries import FileFilter, codes_of_files, files, finding_counts


@click.command("status")
@click.option(
    "--limit", type=click.IntRange(min=1), default=10, show_default=True, help="How many recent files."
)
@time_window_options
@click.option(
    "--broker-timeout", type=click.FloatRange(min=0.1), default=5.0, show_default=True, help="Seconds."
)
@click.option("--watch", is_flag=True, help="Refresh every --interval seconds until Ctrl-C.")
@click.option(
    "--interval",
    type=click.FloatRange(min=0.5),
    default=5.0,
    show_default=True,
    help="Seconds between refreshes with --watch.",
)
@json_option
@pass_context
def status_command(
    context: CliContext,
    limit: int,
    since: datetime | None,
    until: datetime | None,
    broker_timeout: float,
    watch: bool,
    interval: float,
    as_json: bool,
) -> None:
    """Recent files with outcome, state and codes, errors by code and by sender, DLQ size and consumer lag.

    --since and --until (a date, a date and time, or a duration such as 24h) narrow the files and the
    error counts to the files received in that window. --watch redraws in place on a terminal, and
    prints one report per interval elsewhere (one JSON document per line with --json).
    """
    settings = context.settings
    where = FileFilter(since=since, until=until)
    engine = read_store(settings)
    try:
        if not watch:
            report = status_report(engine, settings, limit, where, broker_timeout)
            emit(report, as_json, _human)
            return
        _watch(lambda: status_report(engine, settings, limit, where, broker_timeout), interval, as_json)
    finally:
        engine.dispose()


def status_report(
    engine: Engine, settings: Settings, limit: int, where: FileFilter, broker_timeout: float
) -> dict[str, Any]:
    report = store_status(engine, limit, where)
    report["broker"] = broker_status(settings, broker_timeout)
    return report


_REDRAW = "\x1b[H\x1b[2J"  # cursor home, clear the screen


def _watch(report: Callable[[], dict[str, Any]], interval: float, as_json: bool) -> None:
    """One report per interval until Ctrl-C, which ends the command normally (exit 0)."""
    in_place = sys.stdout.isatty() and not as_json
    try:
        while True:
            taken = datetime.now(UTC)
            data = report()
            if as_json:
                click.echo(json.dumps({"at": taken.isoformat(), **data}, sort_keys=True, default=str))
            else:
                frame = f"exchange status at {taken:%Y-%m-%d %H:%M:%S} UTC, every {interval:g}s "
                frame += "(Ctrl-C stops)"
                text = f"{frame}\n\n{_human(data)}"
                click.echo(_REDRAW + text if in_place else text + "\n")
            time.sleep(interval)
    except KeyboardInterrupt:
        return


def store_status(engine: Engine, limit: int, where: FileFilter | None = None) -> dict[str, Any]:
    """The store's half of the status: recent files and the error counts."""
    where = where or FileFilter()
    with Session(engine) as session:
        recent = files(session, limit=limit, where=where)
        codes = codes_of_files(session, [file.id for file in recent])
        counts = finding_counts(session, where)
        rows = []
        for file in recent:
            verdict = outcome_of(file.state, bool(codes[file.id]))
            rows.append(
                {
                    "id": file.id,
                    "received_at": file.received_at.isoformat(),
                    "sender": file.sender,
                    "message_ref_id": file.message_ref_id,
                    "outcome": verdict.value if verdict else None,
                    "state": file.state.value,
                    "codes": codes[file.id],
                    "records_stored": file.records_stored,
                    "records_refused": file.records_refused,
                }
            )
    by_code: Counter[int] = Counter()
    by_sender: Counter[str] = Counter()
    for sender, code, count in counts:
        by_code[code] += count
        by_sender[sender] += count
    return {
        "files": rows,
        "errors_by_code": [{"code": code, "findings": n} for code, n in sorted(by_code.items())],
        "errors_by_sender": [{"sender": sender, "findings": n} for sender, n in sorted(by_sender.items())],
    }


def broker_status(settings: Settings, timeout_s: float) -> dict[str, Any]:
    """The broker's half: DLQ size and the group's lag, or why the broker could not say."""
    from consumers.backlog import broker_backlog

    where = {
        "bootstrap_servers": settings.kafka_bootstrap_servers,
        "dlq_topic": settings.topic_dlq,
        "inbound_topic": settings.topic_inbound,
        "consumer_group": settings.kafka_consumer_group,
    }
    try:
        with _quiet("aiokafka"):  # an unreachable broker is reported below, once, not per connection try
            backlog = asyncio.run(broker_backlog(settings, timeout_s))
    except ServiceUnavailableError as exc:
        return {**where, "reachable": False, "error": str(exc)}
    return {
        **where,
        "reachable": True,
        "dlq_records": backlog.dlq_records,
        "lag": backlog.total_lag,
        "partitions": [
            {"partition": p.partition, "committed": p.committed, "end": p.end, "lag": p.lag}
            for p in backlog.lag
        ],
    }


@contextmanager
def _quiet(logger_name: str) -> Iterator[None]:
    logger = logging.getLogger(logger_name)
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)


def _human(report: dict[str, Any]) -> str:
    return "\n".join([*_human_files(report["files"]), "", *_human_errors(report), "", *_human_broker(report)])


def _human_files(rows: list[dict[str, Any]]) -> list[str]:
    if not rows:
        return ["recent files: none"]
    heading = (
        f"{'id':>6}  {'received (UTC)':<19}  {'sender':<6}  {'outcome':<20}  {'state':<10}  "
        f"{'stored':>7}  {'refused':>7}  codes"
    )
    lines = ["recent files:", heading]
    for row in rows:
        codes = " ".join(str(code) for code in row["codes"]) or "-"
        lines.append(
            f"{row['id']:>6}  {row['received_at'][:19]:<19}  {row['sender']:<6}  "
            f"{row['outcome'] or '-':<20}  "
            f"{row['state']:<10}  {row['records_stored']:>7}  {row['records_refused']:>7}  {codes}"
        )
    return lines


def _human_errors(report: dict[str, Any]) -> list[str]:
    by_code = ", ".join(f"{row['code']} x{row['findings']}" for row in report["errors_by_code"])
    by_sender = ", ".join(f"{row['sender']} x{row['findings']}" for row in report["errors_by_sender"])
    return [f"errors by code:   {by_code or 'none'}", f"errors by sender: {by_sender or 'none'}"]


def _human_broker(report: dict[str, Any]) -> list[str]:
    broker = report["broker"]
    if not broker["reachable"]:
        return [f"broker: {broker['error']}; DLQ size and consumer lag unknown"]
    return [
        f"dead-letter topic {broker['dlq_topic']}: {broker['dlq_records']} record(s)",
        f"consumer group {broker['consumer_group']} on {broker['inbound_topic']}: lag {broker['lag']}",
    ]
