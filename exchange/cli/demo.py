"""`exchange demo`: the product's main job on the embedded default (embedded broker, SQLite)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import click
from sqlalchemy import Engine

from exchange.cli.context import CliContext, emit, json_option, pass_context
from exchange.cli.serve import serve_console
from exchange.cli.store_access import open_store
from exchange.cli.users import generated_password
from exchange.logs import configure_logging
from exchange.settings import Settings
from exchange.users import Role, add_user, find_user, set_password


def _codes(codes: dict[str, int]) -> str:
    return ", ".join(f"{code}×{n}" if n > 1 else code for code, n in codes.items()) or "-"


def _file_lines(summary: dict[str, Any]) -> list[str]:
    """The files round by round: what the partner sent, the verdict, the codes, the answer it read."""
    lines = []
    for round_ in summary["rounds"]:
        lines += ["", f"round {round_['round']}, {round_['title']}: {round_['purpose']}"]
        lines.append(f"  {'id':>3}  from  {'outcome':<21} {'codes':<22} {'answer':<9} what was sent")
        for file in summary["files"]:
            if file["round"] != round_["round"]:
                continue
            expected = file["expected"] or []
            surprise = "" if file["outcome"] in expected else f" (planned: {' or '.join(expected)})"
            codes, answer = _codes(file["codes"]), file["answer"] or "-"
            lines.append(
                f"  {file['file_id']:>3}  {file['sender']:<4}  {file['outcome']:<21} {codes:<22} "
                f"{answer:<9} {file['sent']}{surprise}"
            )
    unplanned = [f for f in summary["files"] if f["round"] is None]
    if unplanned:
        lines += ["", "files the demo did not send: " + ", ".join(str(f["file_id"]) for f in unplanned)]
    return lines


def _flag_lines(flags: dict[str, Any]) -> list[str]:
    if not flags["by_code"]:
        return ["flags: none"]
    counts = ", ".join(
        f"{code} {states.get('raised', 0)}"
        + (f" (+{states['retracted']} retracted)" if states.get("retracted") else "")
        for code, states in flags["by_code"].items()
    )
    lines = [f"flags: {counts}; {flags['taxpayers_flagged']} taxpayers with a risk score"]
    for example in flags["examples"]:
        lines.append(
            f"  e.g. flag {example['flag_id']}: {example['code']} {example['name']}, "
            # A taxpayer-year flag (PF02, PF04) can draw on several senders' files and so names none.
            f"from {example['sender'] or 'several senders'}, "
            + (f"taxpayer #{example['taxpayer_id']}" if example["taxpayer_id"] else "no taxpayer found")
            + (f", {example['amount']}" if example["amount"] else "")
        )
    return lines


def _explore_lines(summary: dict[str, Any]) -> list[str]:
    if not summary.get("kept"):
        return [
            "",
            "the demo's folder was removed; run `exchange demo --keep` to keep its store and explore it "
            "(exchange files, status, flags)",
        ]
    store, flags = summary["store"], summary["flags"]
    example = flags["examples"][0]["flag_id"] if flags["examples"] else 1
    return [
        "",
        f"kept in {summary['directory']} (remove it with `rm -r` when done); explore further:",
        *(
            f"  EXCHANGE_DATABASE_URL={store} exchange {command}"
            for command in (
                "files list",
                "files errors 60002",
                "status",
                "flags --min-score 50",
                f"flags show {example}",
                "flags study --format csv",
            )
        ),
    ]


def _two_way_lines(two_way: dict[str, Any]) -> list[str]:
    """Each authority's bank submission, then each direction: sent, the receiver's verdict, the answer."""
    lines = ["", "two-way exchange among BE, NL and LU (each its own instance, store and keys, one broker):"]
    for code, submitted in two_way["submissions"].items():
        lines.append(
            f"  {code}: {submitted['accepted']} of {submitted['files']} bank submissions accepted, "
            f"{submitted['stayed_home']} accounts of its own residents kept home"
        )
    for d in two_way["directions"]:
        errors = f" ({d['record_errors']} record errors)" if d["record_errors"] else ""
        lines.append(
            f"  {d['from']} -> {d['to']}: {d['records']} records {'sent' if d['sent'] else 'not sent'}, "
            f"{d['to']} stored it {d['received'] or 'not at all'}, {d['from']} read its answer: "
            f"{d['answer'] or 'none'}{errors}"
        )
    return lines


def _human(summary: dict[str, Any]) -> str:
    lines = ["", f"exchange demo: {summary['home']} received {summary['files_sent']} files from NL and LU "
             f"in {summary['seconds']:.0f}s (seed {summary['seed']})"]  # fmt: skip
    lines += _file_lines(summary)
    outcomes = ", ".join(f"{n} {name}" for name, n in summary["outcomes"].items())
    lines += [
        "",
        f"outcomes: {outcomes}; {summary['as_planned']} of {summary['files_sent']} as the demo planned them",
        "  accepted_with_errors: the file is stored and its record errors go back to the sender; a record "
        "with a negative balance (60002) is kept, its balance left out of the flags; good files carry the "
        "noise of real ones (a mistyped birth year: 60014), so a few of them get record errors too",
        f"codes: {', '.join(f'{c}×{n}' for c, n in summary['codes'].items()) or 'none'}",
    ]
    answers = summary["answers"]
    read = ", ".join(f"{n} {status}" for status, n in answers["read_by_partners"].items())
    lines.append(
        f"status messages: {answers['sent']} sent on the status topic, signed and encrypted for each "
        f"sender; opened with the partners' keys they read {read}"
    )
    versions = summary["account_report_versions"]
    lines.append("account reports: " + ", ".join(f"{n} {state}" for state, n in sorted(versions.items())))
    matching = summary["matching"]
    if matching["parties"]:
        decisions = ", ".join(f"{n} {d}" for d, n in matching["decisions"].items())
        lines.append(
            f"reconciliation: {matching['parties']} reported parties: {decisions}; against the ground truth "
            f"precision {matching['precision']}, recall {matching['recall']}"
        )
    lines += _flag_lines(summary["flags"])
    lines += _two_way_lines(summary["two_way"])
    lines += _explore_lines(summary)
    if "console" in summary:
        lines += ["", "console users (passwords shown once):"]
        lines += [f"  {u['name']:<9} {u['role']:<9} {u['password']}" for u in summary["console"]["users"]]
    return "\n".join(lines)


@click.command("demo")
@click.option("--size", default=5000, show_default=True, help="Taxpayers in the synthetic Belgian registry.")
@click.option(
    "--seed", default=1, show_default=True, help="Seed of the synthetic data: same seed, same demo."
)
@click.option("--keep", is_flag=True, help="Keep the demo's folder for the analyst commands afterwards.")
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the demo's store, keys and packets: new, empty, or an earlier demo's "
    "(default: a new folder under data_dir/demo for each run).",
)
@click.option(
    "--serve",
    is_flag=True,
    help="Then serve the web console on the demo's store (kept) until Ctrl-C, with an operator, an "
    "analyst and an auditor whose generated passwords are printed once.",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="With --serve: address to listen on.")
@click.option(
    "--port", type=click.IntRange(0, 65535), default=8080, show_default=True, help="With --serve: port."
)
@json_option
@pass_context
def demo_command(
    context: CliContext,
    size: int,
    seed: int,
    keep: bool,
    data_dir: Path | None,
    serve: bool,
    host: str,
    port: int,
    as_json: bool,
) -> None:
    """Run the main job end to end: BE receives NL's and LU's files through Kafka and answers them."""
    from exchange.demo.folder import DemoFolder
    from exchange.demo.run import run_demo

    settings = context.settings
    keep = keep or serve  # the console serves the demo's store: it stays
    if serve:
        from exchange.cli.serve import listening_socket

        listening_socket(host, port).close()  # a port in use is said now, not after the demo
    if not context.overrides.get("log_level") and "EXCHANGE_LOG_LEVEL" not in os.environ:
        # The demo talks through its progress and summary; the per-file log lines would drown them.
        configure_logging("error", settings.log_format.value)
    folder = DemoFolder.claim(data_dir) if data_dir else DemoFolder.fresh(settings.data_dir / "demo")
    if not as_json:
        fate = "kept afterwards" if keep else "removed at the end unless --keep"
        click.echo(f"exchange demo in {folder.path} ({fate})", err=True)
    try:
        summary = run_demo(settings, folder.path, size=size, seed=seed, show_progress=not as_json)
    finally:
        folder.release(keep=keep)
    summary.update({"kept": keep, "seed": seed, "size": size})
    if not serve:
        emit(summary, as_json, _human)
        return
    console_settings = _console_settings(settings, folder.path, summary["store"])
    engine = open_store(console_settings)
    try:
        summary["console"] = {"users": _console_users(engine)}
        emit(summary, as_json, _human)
        if not as_json:
            configure_logging("warning", settings.log_format.value)
        serve_console(console_settings, engine, host, port, on_ready=_announce)
    finally:
        engine.dispose()


# The demo's console users, one per role a person has; their passwords are made anew at each --serve.
DEMO_USERS = (("operator", Role.OPERATOR), ("analyst", Role.ANALYST), ("auditor", Role.AUDITOR))


def _console_settings(settings: Settings, directory: Path, store: str) -> Settings:
    """The settings of the console on a finished demo: its store, keys and partners (its broker is gone)."""
    from exchange.demo.folder import AUTHORITIES

    be = directory / AUTHORITIES / settings.home_jurisdiction
    return settings.model_copy(
        update={
            "data_dir": directory,
            "database_url": store,
            "keys_dir": be / "keys",
            "partners_dir": be / "partners",
        }
    )


def _console_users(engine: Engine) -> list[dict[str, str]]:
    """An operator, an analyst and an auditor with generated passwords (a new one for a user that an
    earlier --serve of this folder made)."""
    made = []
    for name, role in DEMO_USERS:
        password = generated_password()
        if find_user(engine, name) is None:
            add_user(engine, name, role, password)
        else:
            set_password(engine, name, password)
        made.append({"name": name, "role": role.value, "password": password})
    return made


def _announce(url: str) -> None:
    click.echo(f"the console is at {url} (Ctrl-C stops it)", err=True)
