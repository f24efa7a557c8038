"""`exchange process PACKET`: the pipeline on one packet, without Kafka (operators, re-processing).

The verdict is said as everywhere else: accepted, accepted_with_errors or rejected (exchange.states.Outcome),
with the file's processing step beside it; a packet that cannot be answered is a dead letter.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from exchange import db
from exchange.cli.context import CliContext, emit, json_option, pass_context
from exchange.errors import ExchangeError
from exchange.instance import claim_store
from exchange.pipeline import Pipeline, PipelineResult
from exchange.store.files import file_state
from exchange.store.story import operator_text


class AnswerNotWrittenError(ExchangeError):
    """The status packet could not be written where --answer-dir says."""


def _human(result: dict[str, Any]) -> str:
    if result["dead_letter"]:
        return f"dead-letter: {result['dead_letter']}"
    packet = result["packet"]
    lines = [
        f"{result['outcome']}: file {result['file_id']} from {packet.get('sender', '?')} to "
        f"{packet.get('receiver', '?')} ({packet.get('communication_type', '?')}), state {result['state']}"
        + (" [replayed]" if result["replayed"] else ""),
    ]
    for finding in result["findings"]:
        where = "".join(f" {doc_ref_id}" for doc_ref_id in finding["doc_ref_ids"])
        lines.append(f"  {finding['code']} {finding['level']}{where}: {operator_text(finding['message'])}")
    if result["records_stored"] or result["records_refused"]:
        lines.append(f"  records stored {result['records_stored']}, refused {result['records_refused']}")
    if result.get("answer_path"):
        lines.append(f"  answer written to {result['answer_path']}")
    return "\n".join(lines)


def _write_answer(pipeline: Pipeline, result: PipelineResult, answer_dir: Path) -> Path | None:
    if result.answer is None or not result.answer_filename:
        return None
    target = answer_dir / result.answer_filename
    try:
        answer_dir.mkdir(parents=True, exist_ok=True)
        target.write_bytes(result.answer)
    except OSError as exc:
        # The outcome is stored: processing the packet again answers it again, once the folder is fixed.
        raise AnswerNotWrittenError(
            f"the file is {result.disposition}, but its answer could not be written to {answer_dir}: "
            f"{exc.strerror or exc}; fix --answer-dir and process the packet again"
        ) from None
    pipeline.mark_answered(result)
    return target


@click.command("process")
@click.argument("packet", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--answer-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write the status packet for the sender into this folder (and count the file as answered).",
)
@json_option
@pass_context
def process_command(context: CliContext, packet: Path, answer_dir: Path | None, as_json: bool) -> None:
    """Open, validate, store and answer one PACKET, as `exchange run` does for each Kafka record.

    Exit 0 when the file is accepted (record errors included), 1 when it is rejected or cannot be
    answered (dead letter). The same packet processed again gives the same outcome and answer.
    """
    settings = context.settings
    engine = db.create_db_engine(settings.effective_database_url)
    try:
        db.ping(engine)
        db.upgrade(engine)
        claim_store(engine, settings)
        pipeline = Pipeline(settings, engine)
        result = pipeline.process(packet)
        data = result.to_dict()
        data["outcome"] = result.outcome.outcome.value if result.outcome is not None else None
        if answer_dir is not None:
            written = _write_answer(pipeline, result, answer_dir)
            if written is not None:
                data["answer_path"] = str(written)
        if result.outcome is not None:  # the steps after storing moved it on: say where it is now
            data["state"] = (file_state(engine, result.sha256) or result.outcome.state).value
    finally:
        engine.dispose()
    emit(data, as_json, _human)
    if result.dead_letter is not None or (result.outcome is not None and not result.outcome.accepted):
        click.get_current_context().exit(1)
