"""`exchange validate FILE`: the format and version of a file and every finding: schema and business rules.

The same validation the pipeline runs, in one streaming pass. The rules that need the sender's earlier
files (50009, 80000 across files, 80002, 80003, 80012-80014) run only with `--store`, against the store.
A status message (csm v2, such as the product itself sends) is checked against its schema, and what it
reports is shown: the MessageRefId it answers, its status, its error codes. A file alone has no
authenticated sender (no packet, no signature): the rule that the document comes
from the packet's signer (50004) cannot apply, and the output says so; the identifiers' country prefixes
(50008, 80001) are checked against the file's own TransmittingCountry. `--sender` only addresses the
status message.
Exit codes: 0 when nothing was found, 1 when there are findings, 2 for a usage error.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from exchange import status
from exchange.cli.context import CliContext, emit, json_option, pass_context
from exchange.pipeline.document import DocumentPass, PlainChunks
from exchange.records import MessageHeader
from exchange.settings import Settings
from exchange.validation.findings import Finding
from exchange.validation.source import iter_chunks

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from exchange.validation.rules.history import History

SENDER_NOT_CHECKED = (
    "no packet, so no authenticated sender: whether the signer sent this document (50004) is not checked"
)
UNKNOWN_REF = "UNKNOWN"  # OriginalMessageRefID when the file is too broken to show its own


def _human(result: dict[str, Any]) -> str:
    fmt = f"{result['format']} {result['version']}" if result["format"] else "unknown format"
    lines = [f"{result['file']}: {fmt}" + (f" ({result['namespace']})" if result["namespace"] else "")]
    if result["message_ref_id"]:
        lines.append(f"MessageRefId {result['message_ref_id']} from {result['transmitting_country']}")
    count = len(result["findings"])
    lines.append("verdict: valid" if result["valid"] else f"verdict: {count} finding{'s' * (count != 1)}")
    for finding in result["findings"]:
        lines += _finding_lines(finding)
    if not result["complete"]:
        lines.append("  (reading stopped there: the rest of the file was not examined)")
    if result.get("status_report"):
        lines += _status_report_lines(result["status_report"])
    elif result["format"] and not result["sender_authenticated"]:
        lines.append(f"note: {SENDER_NOT_CHECKED}")
    if result.get("status_message"):
        lines += ["", result["status_message"].rstrip()]
    return "\n".join(lines)


def _finding_lines(finding: dict[str, Any]) -> list[str]:
    """The code, where (line and the element's place: the line alone says little of a one-line file),
    the message; for a record, the DocRefIds and the fields in error on a line of their own."""
    where = [f"line {finding['line']}"] if finding["line"] is not None else []
    where += [finding["path"]] if finding["path"] else []
    lines = [f"  {finding['code']}  {' '.join(where) + ': ' if where else ''}{finding['message']}"]
    named = []
    if finding["doc_ref_ids"]:
        named.append(f"DocRefId {', '.join(finding['doc_ref_ids'])}")
    if finding["field_paths"]:
        word = "field" if len(finding["field_paths"]) == 1 else "fields"
        named.append(f"{word} {', '.join(finding['field_paths'])}")
    if named:
        lines.append(f"         {'; '.join(named)}")
    return lines


def _status_report_lines(report: dict[str, Any]) -> list[str]:
    """What a status message reports about the file it answers."""
    record_errors = ", ".join(
        code if count == 1 else f"{code} ×{count}" for code, count in report["record_errors"].items()
    )
    lines = [
        f"status message about MessageRefId {report['original_message_ref_id'] or '?'}: "
        f"{report['status'] or 'no status'}",
        f"  file errors: {', '.join(report['file_errors']) or 'none'}",
        f"  record errors: {record_errors or 'none'}",
    ]
    if report["validated_by"]:
        lines.append(f"  validated by: {', '.join(report['validated_by'])}")
    return lines


def _status_message(
    header: MessageHeader | None, findings: list[Finding], sender: str | None, home: str
) -> str:
    sender = sender or (header.transmitting_country if header else None)
    if not sender:
        raise click.UsageError(
            "the file does not say who sent it: pass --sender to address the status message"
        )
    original = status.OriginalMessage(
        message_ref_id=(header.message_ref_id if header else None) or UNKNOWN_REF, sender=sender.upper()
    )
    try:
        profile = status.profile_for(header.format_name if header else None)
        message = status.build_status_message(original, findings, home=home, profile=profile)
    except ValueError as exc:
        raise click.UsageError(f"cannot address a status message: {exc}") from None
    return status.to_bytes(message).decode("utf-8")


@click.command("validate")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--status-message", is_flag=True, help="Also print the status message that would be sent back.")
@click.option(
    "--sender", metavar="CC", help="Jurisdiction to answer when the file does not say (status message)."
)
@click.option(
    "--schema-dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Validate with the schemas in this folder (one subfolder per format) instead of the product's.",
)
@click.option("--store", "with_store", is_flag=True, help="Also check against the sender's earlier files.")
@json_option
@pass_context
def validate_command(
    context: CliContext,
    file: Path,
    status_message: bool,
    sender: str | None,
    schema_dir: Path | None,
    with_store: bool,
    as_json: bool,
) -> None:
    """Detect FILE's format and version; check it against its schema and the business rules, streaming."""
    settings = context.settings
    if schema_dir is not None:
        settings = settings.model_copy(update={"schema_dir": schema_dir})
    result, header, findings = _validate(file, settings, with_store)
    if status_message:
        result["status_message"] = _status_message(header, findings, sender, settings.home_jurisdiction)
        result["status"] = status.file_status(findings)
    emit(result, as_json, _human)
    if findings:
        click.get_current_context().exit(1)


def _validate(
    file: Path, settings: Settings, with_store: bool
) -> tuple[dict[str, Any], MessageHeader | None, list[Finding]]:
    history: History | None = None
    engine: Engine | None = None
    if with_store:  # imported here: validating a file alone loads no database code
        from exchange import db
        from exchange.validation.rules.store_history import StoreHistory

        engine = db.create_db_engine(settings.effective_database_url, create=False)
    try:
        if engine is not None:
            db.ping(engine)
            history = StoreHistory(engine)
        # No authenticated sender: `--sender` names whom to answer, it proves nothing about who sent it.
        document = DocumentPass(PlainChunks(iter_chunks(file)), settings, history, None, reads_status=True)
        document.start()
        findings: list[Finding] = []
        records = 0
        for item in document.items():
            if isinstance(item, Finding):
                findings.append(item)
            else:
                records += 1
    finally:
        if engine is not None:
            engine.dispose()
    report = document.validation.result()
    result: dict[str, Any] = {
        "file": str(file),
        **report.to_dict(),
        "valid": not findings,
        "findings": [finding.to_dict() for finding in findings],
        "records": records,
        "history_checked": with_store,
        "sender_authenticated": False,
        "status_report": document.status_report.to_dict() if document.status_report else None,
    }
    return result, document.header, findings
