"""`exchange outbound`: the files we send partners, cut from domestic submissions (issue 17, part 2).

Operators see identifiers, codes and counts, never a record's content.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

import click
from sqlalchemy import Engine

from exchange.audit import OPERATOR_ENV, current_user, record
from exchange.cli.context import CliContext, emit, json_option, pass_context
from exchange.cli.options import operator_option
from exchange.cli.store_access import open_store, read_store
from exchange.errors import ExchangeError, ServiceUnavailableError

if TYPE_CHECKING:
    from consumers.outbound_files import SendReport


class UnknownMessageError(ExchangeError):
    """No outbound message has this id or MessageRefId."""


def _partner(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is None:
        return None
    code = value.strip().upper()
    if len(code) != 2 or not code.isalpha():
        raise click.BadParameter(f"{value!r} is not a country code (two letters, e.g. NL)")
    return code


_partner_option = click.option(
    "--partner", callback=_partner, help="Only this partner (ISO 3166-1 alpha-2 code)."
)


@click.group("outbound")
def outbound_group() -> None:
    """Outbound messages: what domestic institutions reported about the partners' residents."""


@outbound_group.command("cut")
@click.option("--period", "year", type=click.IntRange(1900, 9999), required=True, help="Reporting year.")
@_partner_option
@json_option
@pass_context
def cut_command(context: CliContext, year: int, partner: str | None, as_json: bool) -> None:
    """Cut the records waiting for each partner (or one) of reporting year --period into messages: one
    per partner, period and mode (new data CRS701; corrections and deletions CRS702)."""
    from consumers.faults import FaultInjector, FaultPoint
    from exchange.outbound.cut import cut

    settings = context.settings
    faults = FaultInjector.from_environment()
    engine = open_store(settings)
    try:
        made = cut(
            engine,
            settings,
            year,
            partner,
            before_commit=lambda: faults.reach(FaultPoint.BEFORE_OUTBOUND_CUT_COMMIT),
        )
    finally:
        engine.dispose()
    data = [
        {
            "id": message.id,
            "partner": message.partner,
            "reporting_period": message.reporting_period.isoformat(),
            "message_ref_id": message.message_ref_id,
            "message_type_indic": message.message_type_indic,
            "records": message.records,
        }
        for message in made
    ]
    emit(data, as_json, _cut_lines)


def _cut_lines(data: list[dict[str, Any]]) -> str:
    if not data:
        return "nothing waiting: no message cut"
    return "\n".join(
        f"cut {m['message_ref_id']} for {m['partner']} ({m['message_type_indic']}, "
        f"{m['reporting_period']}): {m['records']} records"
        for m in data
    )


@outbound_group.command("list")
@_partner_option
@click.option("--limit", type=click.IntRange(1), default=100, show_default=True, help="Messages shown.")
@json_option
@pass_context
def list_command(context: CliContext, partner: str | None, limit: int, as_json: bool) -> None:
    """The messages cut, latest first, the records still waiting per partner and period, and per partner
    the submissions whose records it reported errors about, waiting for the institution's correction."""
    from exchange.outbound.queries import awaiting_correction, messages, pending

    engine = read_store(context.settings)
    try:
        data = {
            "messages": messages(engine, partner, limit),
            "waiting": pending(engine, partner),
            "awaiting_correction": awaiting_correction(engine, partner),
        }
    finally:
        engine.dispose()
    emit(data, as_json, _list_lines)


def _list_lines(data: dict[str, Any]) -> str:
    lines = [
        f"{m['id']:>5}  {m['partner']}  {m['reporting_period']}  {m['message_type_indic']}  "
        f"{m['records']:>7} records  {'sent' if m['sent_at'] else 'not sent'}  {m['message_ref_id']}"
        for m in data["messages"]
    ] or ["no message cut yet"]
    lines += [
        f"waiting for {w['partner']} ({w['reporting_period']}): {w['records']} {w['doc_type_indic']}"
        for w in data["waiting"]
    ]
    lines += [
        f"{a['partner']} reported errors in {a['records']} records of submission {a['file_id']} "
        f"({a['institution']}): waiting for its correction"
        for a in data["awaiting_correction"]
    ]
    return "\n".join(lines)


@outbound_group.command("show")
@click.argument("reference", metavar="ID|MESSAGEREFID")
@json_option
@pass_context
def show_command(context: CliContext, reference: str, as_json: bool) -> None:
    """One message: its header's identity, its records by DocTypeIndic, the submissions they come from."""
    from exchange.outbound.queries import message

    engine = read_store(context.settings)
    try:
        found = message(engine, reference)
    finally:
        engine.dispose()
    if found is None:
        raise UnknownMessageError(f"no outbound message {reference}: see `exchange outbound list`")
    emit(found, as_json, _show_lines)


def _show_lines(data: dict[str, Any]) -> str:
    lines = [
        f"{data['message_ref_id']} to {data['partner']}: {data['message_type_indic']}, reporting period "
        f"{data['reporting_period']}, {data['records']} records, cut {data['cut_at']}, "
        + (f"sent {data['sent_at']} as {data['transmission_id']}" if data["sent_at"] else "not sent"),
        "records: " + ", ".join(f"{indic} {count}" for indic, count in data["doc_type_indics"].items()),
    ]
    lines += [
        f"from submission {s['file_id']} of {s['institution']}: {s['records']} records"
        for s in data["submissions"]
    ]
    lines += [
        f"answer {a['status_message_ref_id']}: {a['status']}"
        + (f", file errors {', '.join(map(str, a['file_errors']))}" if a["file_errors"] else "")
        + (f", {a['record_errors']} record errors" if a["record_errors"] else "")
        for a in data["answers"]
    ]
    return "\n".join(lines)


@outbound_group.command("send")
@_partner_option
@click.option("--message", "message_ids", type=int, multiple=True, help="Only this message (repeatable).")
@json_option
@pass_context
def send_command(
    context: CliContext, partner: str | None, message_ids: tuple[int, ...], as_json: bool
) -> None:
    """Package each message not sent yet (signed with our key, encrypted for the partner's certificate),
    publish it on the outbound topic keyed by the partner, and record it as sent once the broker has it.

    A message whose packet was made before is sent with that same packet: after a crash the partner gets
    the same bytes again at most."""
    from consumers.outbound_files import SendReport, unsent

    settings = context.settings
    engine = open_store(settings)
    try:
        report = SendReport()
        _publish(context, engine, unsent(engine, partner, message_ids), report, again=False)
    finally:
        engine.dispose()
    emit({"sent": report.sent, "topics_created": report.topics_created}, as_json, _sent_lines)


@outbound_group.command("resend")
@click.argument("reference", metavar="ID|MESSAGEREFID")
@click.option("--force", is_flag=True, help="Resend although the partner's answer does not ask for it.")
@click.option("--reason", help="Why a forced resend is needed (required with --force; audited).")
@operator_option
@json_option
@pass_context
def resend_command(
    context: CliContext, reference: str, force: bool, reason: str | None, operator: str | None, as_json: bool
) -> None:
    """Send a message again as a new packet (a new transmission of the same document): for a partner
    that could not open the one it got (its latest answer names a file error 50001-50013: a certificate
    renewed, a packet damaged on the way). Otherwise refused, unless --force --reason TEXT; every resend
    is recorded in the audit trail (`outbound.resend`)."""
    from consumers.outbound_files import SendReport
    from exchange.outbound.queries import message
    from exchange.outbound.resend import resend_due

    if force and not (reason and reason.strip()):
        raise click.UsageError("--force needs --reason TEXT: why the partner needs the file again")
    settings = context.settings
    engine = open_store(settings)
    try:
        found = message(engine, reference)
        if found is None:
            raise UnknownMessageError(f"no outbound message {reference}: see `exchange outbound list`")
        if not found["transmissions"]:
            raise NotSentError(f"message {reference} was never sent: `exchange outbound send` sends it")
        due = resend_due(found["answers"])
        if not due and not force:
            raise ResendNotDueError(
                f"message {reference}: the partner's latest answer names no file error 50001-50013 (or it "
                "has not answered), so it opened the file and needs a correction, not the same file again; "
                "--force --reason TEXT resends anyway, recorded in the audit trail"
            )
        report = SendReport()
        details = {
            "message_ref_id": found["message_ref_id"],
            "partner": found["partner"],
            "forced": not due,
            "reason": reason,
        }
        try:
            _publish(context, engine, [found["id"]], report, again=True)
        except ServiceUnavailableError as exc:
            # A new packet may be stored already: the attempt is the operator's action, sent or not.
            details["error"] = str(exc)
            raise
        finally:
            record(
                engine,
                current_user(operator, OPERATOR_ENV),
                "outbound.resend",
                details,
                subject=f"message {found['message_ref_id']}",
                row_count=len(report.sent),
            )
    finally:
        engine.dispose()
    emit({"sent": report.sent, "topics_created": report.topics_created}, as_json, _sent_lines)


class ResendNotDueError(ExchangeError):
    """A resend of a file the partner opened (no answer asking for it), without --force."""


class NotSentError(ExchangeError):
    """A resend asked for a message that was never sent."""


def _publish(context: CliContext, engine: Engine, ids: list[int], report: SendReport, *, again: bool) -> None:
    from consumers.faults import FaultInjector
    from consumers.outbound import PublishError
    from consumers.outbound_files import send

    settings = context.settings
    try:
        asyncio.run(send(settings, engine, ids, report, again=again, faults=FaultInjector.from_environment()))
    except PublishError as exc:
        done = f" ({len(report.sent)} sent before)" if report.sent else ""
        raise ServiceUnavailableError(
            f"the broker at {settings.kafka_bootstrap_servers} did not confirm the packets "
            f"({type(exc).__name__}){done}: send again once it answers"
        ) from None


def _sent_lines(data: dict[str, Any]) -> str:
    if not data["sent"]:
        return "nothing to send"
    return "\n".join(f"sent {message_ref_id}" for message_ref_id in data["sent"])
