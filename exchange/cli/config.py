"""`exchange config`: the effective settings, secrets masked."""

from __future__ import annotations

from typing import Any

import click

from exchange.cli.context import CliContext, emit, json_option, pass_context


def _table(values: dict[str, Any]) -> str:
    width = max(len(key) for key in values)
    return "\n".join(f"{key.ljust(width)}  {'' if value is None else value}" for key, value in values.items())


@click.command("config")
@json_option
@pass_context
def config_command(context: CliContext, as_json: bool) -> None:
    """Print the effective settings (environment, config file, defaults), secrets masked."""
    emit(context.settings.masked(), as_json, _table)
