"""`exchange process PACKET`: the pipeline on one packet, without Kafka (operators, re-processing)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from exchange import db
from exchange.cli.context import CliContext, emit, json_option, pass_context
from exchange.instance import claim_store
from exchange.pipeline import Pipeline


def _human(result: dict[str, Any]) -> str:
    packet = result["packet"]
    lines = [
        f"{result['disposition']}: {packet.get('sender', '?')} -> {packet.get('receiver', '?')} "
        f"{packet.get('communication_type', '')} file {result['file_id']} ({result['state']})"
        + (" [replayed]" if result["replayed"] else ""),
    ]
    if result["dead_letter"]:
        lines = [f"dead-letter: {result['dead_letter']}"]
    lines += [f"  {f['code']} {f['level']}: {f['message']}" for f in result["findings"]]
    if result["records_stored"] or result["records_refused"]:
        lines.append(f"  records stored {result['records_stored']}, refused {result['records_refused']}")
    if result.get("answer_path"):
        lines.append(f"  answer written to {result['answer_path']}")
    return "\n".join(lines)


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
        if answer_dir is not None and result.answer is not None and result.answer_filename:
            answer_dir.mkdir(parents=True, exist_ok=True)
            target = answer_dir / result.answer_filename
            target.write_bytes(result.answer)
            pipeline.mark_answered(result)
            data["answer_path"] = str(target)
    finally:
        engine.dispose()
    emit(data, as_json, _human)
    if result.dead_letter is not None or (result.outcome is not None and not result.outcome.accepted):
        click.get_current_context().exit(1)
