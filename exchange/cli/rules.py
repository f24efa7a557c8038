"""`exchange rules`: the business rules this product checks, one line per OECD code."""

from __future__ import annotations

from typing import Any

import click

from exchange.cli.context import CliContext, emit, json_option, pass_context
from exchange.validation.rules import RULES


@click.command("rules")
@click.option(
    "--format",
    "format_name",
    type=click.Choice(["crs", "fatca"]),
    default=None,
    help="Only the rules that apply to this format.",
)
@json_option
@pass_context
def rules_command(context: CliContext, format_name: str | None, as_json: bool) -> None:
    """List the business rules: code, level, name, formats, the rule in one sentence and its reference."""
    settings = context.settings
    rules = [
        rule.describe()
        for rule in RULES
        if format_name is None or any(name == format_name for name, _ in rule.formats)
    ]
    result = {
        "home_jurisdiction": settings.home_jurisdiction,
        "environment": settings.environment.value,
        "rules": rules,
    }
    emit(result, as_json, _table)


def _table(result: dict[str, Any]) -> str:
    lines = [
        f"{len(result['rules'])} rules; receiving side: home {result['home_jurisdiction']}, "
        f"{result['environment']} environment (50010-50012 depend on them)"
    ]
    for rule in result["rules"]:
        formats = ", ".join(rule["formats"])
        store = "  [needs the store]" if rule["needs_history"] else ""
        lines.append(f"{rule['code']}  {rule['level']:<6}  {rule['name']}  ({formats}){store}")
        lines.append(f"       {rule['rule']}")
        lines.append(f"       reference: {rule['reference']}")
        if rule["note"]:
            lines.append(f"       note: {rule['note']}")
    return "\n".join(lines)
