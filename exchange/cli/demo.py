"""`exchange demo`: the product's main job on the embedded default (embedded broker, SQLite)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import click

from exchange.cli.context import CliContext, emit, json_option, pass_context
from exchange.logs import configure_logging
from exchange.private_files import private_directory


def _human(summary: dict[str, Any]) -> str:
    lines = ["", f"exchange demo: {summary['home']} received {summary['files_sent']} files from NL and LU "
             f"in {summary['seconds']:.0f}s", ""]  # fmt: skip
    lines.append("files")
    for file in summary["files"]:
        codes = ", ".join(f"{code}×{n}" if n > 1 else code for code, n in file["codes"].items()) or "-"
        lines.append(
            f"  {file['file_id']:>3} {file['sender']} {file['message_ref_id'] or '(unread)'!s:<22} "
            f"{file['disposition']:<21} codes {codes:<22} answer {file['answer'] or '-'}"
        )
    outcomes = ", ".join(f"{n} {name}" for name, n in sorted(summary["outcomes"].items()))
    lines += ["", f"outcomes: {outcomes}"]
    lines.append(f"codes: {', '.join(f'{c}×{n}' for c, n in summary['codes'].items()) or 'none'}")
    answers = summary["answers"]
    read = ", ".join(f"{n} {status}" for status, n in answers["read_by_partners"].items())
    lines.append(f"status messages: {answers['sent']} sent on the status topic; the partners read {read}")
    versions = summary["account_report_versions"]
    lines.append("account reports: " + ", ".join(f"{n} {state}" for state, n in sorted(versions.items())))
    matching = summary["matching"]
    if matching["parties"]:
        decisions = ", ".join(f"{n} {d}" for d, n in matching["decisions"].items())
        lines.append(
            f"reconciliation: {matching['parties']} reported parties: {decisions}; against the ground truth "
            f"precision {matching['precision']}, recall {matching['recall']}"
        )
    flags = summary["flags"]
    if flags["by_code"]:
        counts = ", ".join(
            f"{code} {states.get('raised', 0)}"
            + (f" (+{states['retracted']} retracted)" if states.get("retracted") else "")
            for code, states in flags["by_code"].items()
        )
        lines.append(f"flags: {counts}; {flags['taxpayers_flagged']} taxpayers with a risk score")
        for example in flags["examples"]:
            lines.append(
                f"  e.g. flag {example['flag_id']}: {example['code']} {example['name']}, "
                f"from {example['sender']}, "
                + (f"taxpayer #{example['taxpayer_id']}" if example["taxpayer_id"] else "no taxpayer found")
                + (f", {example['amount']}" if example["amount"] else "")
            )
    if summary.get("kept"):
        store = summary["store"]
        lines += [
            "",
            "explore further:",
            f"  EXCHANGE_DATABASE_URL={store} exchange files list",
            f"  EXCHANGE_DATABASE_URL={store} exchange files errors 60002",
            f"  EXCHANGE_DATABASE_URL={store} exchange status",
            f"  EXCHANGE_DATABASE_URL={store} exchange flags --min-score 50",
            f"  EXCHANGE_DATABASE_URL={store} exchange flags show "
            f"{flags['examples'][0]['flag_id'] if flags['examples'] else 1}",
            f"  EXCHANGE_DATABASE_URL={store} exchange flags study --format csv",
        ]
    return "\n".join(lines)


@click.command("demo")
@click.option("--size", default=5000, show_default=True, help="Taxpayers in the synthetic Belgian registry.")
@click.option(
    "--seed", default=1, show_default=True, help="Seed of the synthetic data: same seed, same demo."
)
@click.option("--keep", is_flag=True, help="Keep the demo store for the analyst commands afterwards.")
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where the demo's store, keys and packets go (default: data_dir/demo).",
)
@json_option
@pass_context
def demo_command(
    context: CliContext, size: int, seed: int, keep: bool, data_dir: Path | None, as_json: bool
) -> None:
    """Run the main job end to end: BE receives NL's and LU's files through Kafka and answers them."""
    from exchange.demo.run import run_demo

    settings = context.settings
    if not context.overrides.get("log_level") and "EXCHANGE_LOG_LEVEL" not in os.environ:
        # The demo talks through its progress and summary; the per-file log lines would drown them.
        configure_logging("error", settings.log_format.value)
    directory = data_dir or settings.data_dir / "demo"
    if directory.exists():
        shutil.rmtree(directory)  # every demo starts from an empty store
    private_directory(directory)  # the demo's store holds (synthetic) tax data: private like the real one
    if not as_json:
        click.echo(f"exchange demo in {directory}", err=True)
    try:
        summary = run_demo(settings, directory, size=size, seed=seed, show_progress=not as_json)
    finally:
        if not keep:
            shutil.rmtree(directory, ignore_errors=True)
    summary["kept"] = keep
    emit(summary, as_json, _human)
