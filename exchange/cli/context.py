"""What every command receives: the settings (loaded once, on first use) and the output mode.

Logs on a terminal: a command prints its output, not the product's info-level log lines, unless the user
asked for them (`-v`, `--log-level`, EXCHANGE_LOG_LEVEL or `log_level` in the config file). A service
(`exchange run`) is the exception: its log is its output, so it logs at `log_level` (info by default).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click

from exchange.logs import configure_logging
from exchange.settings import Settings, load_settings

QUIET_LEVEL = "warning"


@dataclass
class CliContext:
    config_file: Path | None = None
    overrides: dict[str, Any] = field(default_factory=dict)
    service: bool = False  # a long-running command whose log is its output
    _settings: Settings | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = load_settings(self.config_file, **self.overrides)
            configure_logging(self.log_level(self._settings), self._settings.log_format.value)
        return self._settings

    @property
    def loaded_settings(self) -> Settings | None:
        """The settings if a command got as far as loading them (error messages use them)."""
        return self._settings

    def log_level(self, settings: Settings) -> str:
        asked = "log_level" in settings.model_fields_set  # a flag, the environment or the config file
        return settings.log_level if asked or self.service else QUIET_LEVEL


pass_context = click.make_pass_decorator(CliContext)

json_option = click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")


def emit(data: Any, as_json: bool, human: Callable[[Any], str]) -> None:
    """Print a command's result: JSON for scripts, `human(data)` for people."""
    if as_json:
        click.echo(json.dumps(data, indent=2, sort_keys=True, default=str))
    else:
        click.echo(human(data))
