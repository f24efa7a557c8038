"""What every command receives: the settings (loaded once, on first use) and the output mode."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click

from exchange.logs import configure_logging
from exchange.settings import Settings, load_settings


@dataclass
class CliContext:
    config_file: Path | None = None
    overrides: dict[str, Any] = field(default_factory=dict)
    _settings: Settings | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = load_settings(self.config_file, **self.overrides)
            configure_logging(self._settings.log_level, self._settings.log_format.value)
        return self._settings


pass_context = click.make_pass_decorator(CliContext)

json_option = click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")


def emit(data: Any, as_json: bool, human: Callable[[Any], str]) -> None:
    """Print a command's result: JSON for scripts, `human(data)` for people."""
    if as_json:
        click.echo(json.dumps(data, indent=2, sort_keys=True, default=str))
    else:
        click.echo(human(data))
