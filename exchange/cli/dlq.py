"""`exchange dlq`: the records that could not be answered (not a packet, unknown sender, a bug), and
what operators decide about them: send one back to the inbound topic once, or let it go with a reason.

A record is named PARTITION:OFFSET in the dead-letter topic (a bare OFFSET when the topic has one
partition). Nothing here shows a record's content: headers, reason, size and sender only. Every
command is recorded in the audit trail (dlq.list, dlq.show, dlq.redrive, dlq.discard).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Any

import click
from sqlalchemy import Engine

from exchange.audit import OPERATOR_ENV, current_user, record
from exchange.cli.context import CliContext, emit, json_option, pass_context
from exchange.cli.options import operator_option, time_window_options
from exchange.cli.store_access import open_store
from exchange.dead_letters import (
    AlreadyDecidedError,
    Decision,
    DecisionMade,
    RecordKey,
    decide,
    decisions,
)
from exchange.errors import ExchangeError
from exchange.settings import Settings

if TYPE_CHECKING:
    from aiokafka import ConsumerRecord

    from consumers.dlq import DeadLetter

Position = tuple[int | None, int]  # (partition, or None for a bare offset; offset)


class AmbiguousPositionError(ExchangeError):
    """A bare offset in a dead-letter topic of several partitions."""


class PositionType(click.ParamType[Position]):
    name = "PARTITION:OFFSET"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Position:
        if isinstance(value, tuple):
            return value
        text = str(value).strip()
        partition, _, offset = text.rpartition(":")
        try:
            place = (int(partition) if partition else None, int(offset))
        except ValueError:
            self.fail(f"{text!r} is not PARTITION:OFFSET (e.g. 0:15) nor an OFFSET", param, ctx)
        if place[1] < 0 or (place[0] is not None and place[0] < 0):
            self.fail(f"{text!r}: partitions and offsets are not negative", param, ctx)
        return place


POSITION = PositionType()


@click.group("dlq")
def dlq_group() -> None:
    """Dead letters: what could not be answered, with the reason; redrive or discard each once."""


def _state(letter: DeadLetter, made: dict[RecordKey, DecisionMade], topic: str) -> DecisionMade | None:
    return made.get(RecordKey(topic, letter.partition, letter.offset, letter.timestamp_ms))


def _row(letter: DeadLetter, decision: DecisionMade | None) -> dict[str, Any]:
    return {
        "position": letter.position,
        "partition": letter.partition,
        "offset": letter.offset,
        "time": letter.at.isoformat(),
        "sender": letter.sender,
        "reason": letter.reason,
        "size": letter.size,
        "claim_check": letter.claim_check,
        "source": letter.source,
        "state": decision.decision.value if decision else "pending",
        "decided_by": decision.actor if decision else None,
        "decided_at": decision.at.isoformat() if decision else None,
        "decision_reason": decision.reason if decision else None,
    }


def _discarded(decision: DecisionMade | None) -> bool:
    return decision is not None and decision.decision is Decision.DISCARDED


def _matches(letter: DeadLetter, reason: str | None) -> bool:
    return reason is None or reason.casefold() in letter.reason.casefold()


@dlq_group.command("list")
@time_window_options
@click.option("--reason", help="Only records whose reason contains this text (any case).")
@click.option("--all", "show_all", is_flag=True, help="Also the discarded records.")
@operator_option
@json_option
@pass_context
def list_command(
    context: CliContext,
    since: datetime | None,
    until: datetime | None,
    reason: str | None,
    show_all: bool,
    operator: str | None,
    as_json: bool,
) -> None:
    """The dead-letter topic's records: place, time, sender, reason, size and state (pending, redriven,
    discarded), oldest first per partition."""
    settings = context.settings
    engine = open_store(settings)
    try:
        actor = current_user(operator, OPERATOR_ENV)
        rows = list_dead_letters(settings, engine, actor, since, until, reason, show_all)
    finally:
        engine.dispose()
    emit(rows, as_json, lambda data: _human_list(settings.topic_dlq, data))


def list_dead_letters(
    settings: Settings,
    engine: Engine,
    actor: str,
    since: datetime | None = None,
    until: datetime | None = None,
    reason: str | None = None,
    show_all: bool = False,
) -> list[dict[str, Any]]:
    """The dead letters (the discarded ones too with `show_all`) as rows, the listing audited
    (`dlq.list`): what `exchange dlq list` and the console's dead-letter page show."""
    from consumers.dlq import read_dead_letters

    letters = asyncio.run(read_dead_letters(settings))
    made = decisions(engine, settings.topic_dlq)
    rows = [
        _row(letter, _state(letter, made, settings.topic_dlq))
        for letter in letters
        if (since is None or letter.at >= since)
        and (until is None or letter.at < until)
        and _matches(letter, reason)
        and (show_all or not _discarded(_state(letter, made, settings.topic_dlq)))
    ]
    filters = {
        "since": since.isoformat() if since else None,
        "until": until.isoformat() if until else None,
        "reason": reason,
        "all": show_all,
    }
    record(engine, actor, "dlq.list", filters, row_count=len(rows))
    return rows


def _human_list(topic: str, rows: list[dict[str, Any]]) -> str:
    if not rows:
        return f"{topic}: no dead letters"
    lines = [f"{'position':<10}  {'time (UTC)':<19}  {'sender':<8}  {'size':>10}  {'state':<9}  reason"]
    for row in rows:
        lines.append(
            f"{row['position']:<10}  {row['time'][:19].replace('T', ' '):<19}  {row['sender'] or '-':<8}  "
            f"{row['size']:>10}  {row['state']:<9}  {row['reason'] or '-'}"
        )
    return "\n".join(lines)


def _resolved(settings: Settings, positions: tuple[Position, ...]) -> list[tuple[int, int]]:
    """Bare offsets need a dead-letter topic of one partition: with several, which one is ambiguous."""
    if all(partition is not None for partition, _ in positions):
        return [(int(partition), offset) for partition, offset in positions if partition is not None]
    from consumers.dlq import partition_count

    count = asyncio.run(partition_count(settings))
    if count > 1:
        offset = next(offset for partition, offset in positions if partition is None)
        raise AmbiguousPositionError(
            f"{settings.topic_dlq} has {count} partitions: give PARTITION:OFFSET (e.g. 0:{offset}), "
            "as `exchange dlq list` shows them"
        )
    return [(0 if partition is None else partition, offset) for partition, offset in positions]


@dlq_group.command("show")
@click.argument("position", type=POSITION)
@operator_option
@json_option
@pass_context
def show_command(context: CliContext, position: Position, operator: str | None, as_json: bool) -> None:
    """One dead letter: its headers, reason, size, sender and state; never its content."""
    from consumers.dlq import dead_letter_of, read_record

    settings = context.settings
    engine = open_store(settings)
    try:
        [(partition, offset)] = _resolved(settings, (position,))
        letter = dead_letter_of(asyncio.run(read_record(settings, partition, offset)))
        made = decisions(engine, settings.topic_dlq)
        shown = {
            **_row(letter, _state(letter, made, settings.topic_dlq)),
            "headers": {name: _header_text(value) for name, value in letter.headers},
        }
        subject = RecordKey(settings.topic_dlq, partition, offset, letter.timestamp_ms).subject
        record(engine, current_user(operator, OPERATOR_ENV), "dlq.show", {}, subject=subject, row_count=1)
    finally:
        engine.dispose()
    emit(shown, as_json, _human_show)


def _header_text(value: bytes) -> str:
    try:
        text = value.decode("utf-8")
    except UnicodeDecodeError:
        return f"<{len(value)} bytes>"
    return text if text.isprintable() else f"<{len(value)} bytes>"


def _human_show(shown: dict[str, Any]) -> str:
    lines = [f"{name}: {shown[name]}" for name in ("position", "time", "sender", "reason", "size", "source")]
    lines.append(f"claim check: {'yes' if shown['claim_check'] else 'no'}")
    state = shown["state"]
    if shown["decided_by"]:
        state += f" by {shown['decided_by']} at {shown['decided_at']}"
        if shown["decision_reason"]:
            state += f" ({shown['decision_reason']})"
    lines.append(f"state: {state}")
    lines.append("headers:")
    lines += [f"  {name}: {value}" for name, value in shown["headers"].items()]
    return "\n".join(lines)


def _chosen(
    settings: Settings,
    engine: Engine,
    positions: tuple[Position, ...],
    reason: str | None,
) -> list[tuple[DeadLetter, RecordKey]]:
    """The records named (each must exist and be pending), or with no names every pending one;
    filtered by reason."""
    from consumers.dlq import NoSuchDeadLetterError, read_dead_letters

    letters = asyncio.run(read_dead_letters(settings))
    made = decisions(engine, settings.topic_dlq)
    topic = settings.topic_dlq
    keyed = {(letter.partition, letter.offset): letter for letter in letters}
    if positions:
        chosen = []
        for place in _resolved(settings, positions):
            if place not in keyed:
                raise NoSuchDeadLetterError(f"{topic} has no record at {place[0]}:{place[1]}")
            letter = keyed[place]
            if (decision := _state(letter, made, topic)) is not None:
                raise AlreadyDecidedError(
                    f"{topic} {letter.position} was {decision.decision.value} by {decision.actor} at "
                    f"{decision.at.isoformat(timespec='seconds')}: each record is redriven or discarded once"
                )
            chosen.append(letter)
    else:
        chosen = [letter for letter in letters if _state(letter, made, topic) is None]
    return [
        (letter, RecordKey(topic, letter.partition, letter.offset, letter.timestamp_ms))
        for letter in chosen
        if _matches(letter, reason)
    ]


@dlq_group.command("redrive")
@click.argument("positions", nargs=-1, type=POSITION)
@click.option("--all", "every", is_flag=True, help="Every pending record (with --reason: those matching).")
@click.option("--reason", help="Only records whose reason contains this text (any case).")
@operator_option
@json_option
@pass_context
def redrive_command(
    context: CliContext,
    positions: tuple[Position, ...],
    every: bool,
    reason: str | None,
    operator: str | None,
    as_json: bool,
) -> None:
    """Publish dead letters back to the inbound topic, each once: after the partner's certificate was
    registered, or a bug fixed. The record keeps its bytes, key and the sender's headers."""
    if bool(positions) == every:
        raise click.UsageError("give the records to redrive (PARTITION:OFFSET ...) or --all, not both")
    settings = context.settings
    engine = open_store(settings)
    try:
        done = redrive_letters(settings, engine, current_user(operator, OPERATOR_ENV), positions, reason)
    finally:
        engine.dispose()
    emit(done, as_json, lambda rows: _human_done("redriven to " + settings.topic_inbound, rows))


def redrive_letters(
    settings: Settings, engine: Engine, actor: str, positions: tuple[Position, ...], reason: str | None
) -> list[dict[str, Any]]:
    """Publish the dead letters named (none: every pending one) back to the inbound topic, each once and
    audited (`dlq.redrive`); the rows of those redriven here (another operator's earlier are skipped)."""
    from consumers.dlq import redrive_each

    done: list[dict[str, Any]] = []
    chosen = _chosen(settings, engine, positions, reason)
    letters = {(key.partition, key.offset): (letter, key) for letter, key in chosen}

    @contextmanager
    def deciding(redriving: ConsumerRecord[Any, Any]) -> Iterator[bool]:
        letter, key = letters[(redriving.partition, redriving.offset)]
        with engine.begin() as connection:
            try:
                decide(connection, key, Decision.REDRIVEN, actor)
            except AlreadyDecidedError:
                mine = False  # another operator was quicker: theirs stands
            else:
                mine = True
            yield mine  # the decision commits only once the broker confirmed the record
        if mine:
            details = {"reason_filter": reason, "record_reason": letter.reason, "sender": letter.sender}
            record(engine, actor, "dlq.redrive", details, subject=key.subject, row_count=1)
            done.append(_row(letter, None) | {"state": Decision.REDRIVEN.value})

    asyncio.run(redrive_each(settings, sorted(letters), deciding))
    return done


def _human_done(what: str, rows: list[dict[str, Any]]) -> str:
    if not rows:
        return "nothing to do: no pending record matches"
    return "\n".join(f"{row['position']}  {row['sender'] or '-'}  {what}" for row in rows)


@dlq_group.command("discard")
@click.argument("positions", nargs=-1, required=True, type=POSITION)
@click.option("--reason", required=True, help="Why the record is let go (kept with the decision).")
@operator_option
@json_option
@pass_context
def discard_command(
    context: CliContext, positions: tuple[Position, ...], reason: str, operator: str | None, as_json: bool
) -> None:
    """Let dead letters go, with a reason: they are no longer listed (unless `dlq list --all`) and
    cannot be redriven."""
    if not reason.strip():
        raise click.BadParameter("say why the record is discarded", param_hint="--reason")
    settings = context.settings
    engine = open_store(settings)
    try:
        done = discard_letters(settings, engine, current_user(operator, OPERATOR_ENV), positions, reason)
    finally:
        engine.dispose()
    emit(done, as_json, lambda rows: _human_done("discarded", rows))


def discard_letters(
    settings: Settings, engine: Engine, actor: str, positions: tuple[Position, ...], reason: str
) -> list[dict[str, Any]]:
    """Let the dead letters named go with the operator's reason, each once and audited (`dlq.discard`)."""
    done: list[dict[str, Any]] = []
    for letter, key in _chosen(settings, engine, positions, None):
        with engine.begin() as connection:
            decide(connection, key, Decision.DISCARDED, actor, reason)
        details = {"reason": reason, "record_reason": letter.reason, "sender": letter.sender}
        record(engine, actor, "dlq.discard", details, subject=key.subject, row_count=1)
        done.append(_row(letter, None) | {"state": Decision.DISCARDED.value, "decision_reason": reason})
    return done
