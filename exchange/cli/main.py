"""Entry point of the `exchange` console script.

Exit codes: 0 success, 1 failure (including every error a user can cause, shown as one line),
2 usage error. A traceback is only ever shown for a bug, and only with EXCHANGE_DEBUG=1.
"""

from __future__ import annotations

import importlib
import logging
import os
import sys
from pathlib import Path

import click

from exchange import __version__
from exchange.cli.context import QUIET_LEVEL, CliContext
from exchange.cli.failures import describe_failure
from exchange.errors import ExchangeError
from exchange.logs import configure_logging

# Each command's module is imported when the command is asked for: `exchange validate` need not load the
# database, the broker client and the linkage code of the other commands.
_COMMANDS = {
    "answers": "exchange.cli.answers:answers_group",
    "audit": "exchange.cli.audit:audit_command",
    "config": "exchange.cli.config:config_command",
    "db": "exchange.cli.db:db_group",
    "demo": "exchange.cli.demo:demo_command",
    "dlq": "exchange.cli.dlq:dlq_group",
    "files": "exchange.cli.store:files_group",
    "flags": "exchange.cli.flags:flags_group",
    "health": "exchange.cli.health:health_command",
    "keys": "exchange.cli.keys:keys_group",
    "outbound": "exchange.cli.outbound:outbound_group",
    "packet": "exchange.cli.packet:packet_group",
    "partners": "exchange.cli.partners:partners_group",
    "process": "exchange.cli.process:process_command",
    "reconcile": "exchange.cli.reconcile:reconcile_command",
    "registry": "exchange.cli.registry:registry_group",
    "rules": "exchange.cli.rules:rules_command",
    "run": "exchange.cli.run:run_command",
    "serve": "exchange.cli.serve:serve_command",
    "status": "exchange.cli.status:status_command",
    "submissions": "exchange.cli.submissions:submissions_command",
    "submit": "exchange.cli.submissions:submit_command",
    "users": "exchange.cli.users:users_group",
    "validate": "exchange.cli.validate:validate_command",
}
# Long-running services: their log is their output, so they log at `log_level` (info) by default.
SERVICES = frozenset({"run", "serve", "submissions"})
_VERBOSITY = {1: "info", 2: "debug"}


class _LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(_COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        target = _COMMANDS.get(name)
        if target is None:
            return None
        module, attribute = target.split(":")
        command: click.Command = getattr(importlib.import_module(module), attribute)
        return command


@click.group(
    cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100}
)
@click.version_option(__version__, prog_name="exchange")
@click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="TOML settings file (also EXCHANGE_CONFIG).",
)
@click.option(
    "-v",
    "--verbose",
    count=True,
    help="Show the log: -v info, -vv debug (commands other than `run` show warnings only by default).",
)
@click.option("--log-level", type=click.Choice(["debug", "info", "warning", "error"]), default=None)
@click.option("--log-format", type=click.Choice(["auto", "console", "json"]), default=None)
@click.pass_context
def cli(
    ctx: click.Context, config_file: Path | None, verbose: int, log_level: str | None, log_format: str | None
) -> None:
    """Receive, open, validate, answer, store, reconcile and flag tax-information exchange files."""
    context = ctx.ensure_object(CliContext)
    level = log_level or _VERBOSITY.get(min(verbose, 2))
    context.config_file = config_file
    context.overrides = {"log_level": level, "log_format": log_format}
    context.service = ctx.invoked_subcommand in SERVICES
    configure_logging(level=level or ("info" if context.service else QUIET_LEVEL), fmt=log_format or "auto")
    # The broker client logs each failed connection itself; a command reports the broker once, its way.
    quiet = level is None and not context.service
    logging.getLogger("aiokafka").setLevel(logging.CRITICAL if quiet else logging.NOTSET)


def main(argv: list[str] | None = None) -> int:
    context = CliContext()
    try:
        # Without standalone mode click returns a command's `ctx.exit(code)` instead of exiting.
        result = cli.main(args=argv, prog_name="exchange", standalone_mode=False, obj=context)
    except click.ClickException as exc:  # usage errors and bad parameters: exit code 2
        exc.show()
        return exc.exit_code
    except click.Abort:
        click.echo("aborted", err=True)
        return 1
    except ExchangeError as exc:
        click.echo(f"error: {exc}", err=True)
        return 1
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        return 130
    except Exception as exc:
        described = describe_failure(exc, context.loaded_settings)
        if described is not None:
            click.echo(f"error: {described}", err=True)
            return 1
        if os.environ.get("EXCHANGE_DEBUG") == "1":
            raise
        click.echo(
            f"internal error: {type(exc).__name__} (rerun with EXCHANGE_DEBUG=1 for details)", err=True
        )
        return 1
    return result if isinstance(result, int) else 0


if __name__ == "__main__":
    sys.exit(main())
