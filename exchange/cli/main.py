"""Entry point of the `exchange` console script.

Exit codes: 0 success, 1 failure (including every error a user can cause, shown as one line),
2 usage error. A traceback is only ever shown for a bug, and only with EXCHANGE_DEBUG=1.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from exchange import __version__
from exchange.cli.config import config_command
from exchange.cli.context import CliContext
from exchange.cli.db import db_group
from exchange.cli.demo import demo_command
from exchange.cli.flags import flags_group
from exchange.cli.keys import keys_group
from exchange.cli.packet import packet_group
from exchange.cli.process import process_command
from exchange.cli.reconcile import reconcile_command
from exchange.cli.registry import registry_group
from exchange.cli.rules import rules_command
from exchange.cli.run import run_command
from exchange.cli.status import status_command
from exchange.cli.store import files_group
from exchange.cli.validate import validate_command
from exchange.errors import ExchangeError
from exchange.logs import configure_logging


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="exchange")
@click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="TOML settings file (also EXCHANGE_CONFIG).",
)
@click.option("--log-level", type=click.Choice(["debug", "info", "warning", "error"]), default=None)
@click.option("--log-format", type=click.Choice(["auto", "console", "json"]), default=None)
@click.pass_context
def cli(ctx: click.Context, config_file: Path | None, log_level: str | None, log_format: str | None) -> None:
    """Receive, open, validate, answer, store, reconcile and flag tax-information exchange files."""
    context = CliContext(
        config_file=config_file, overrides={"log_level": log_level, "log_format": log_format}
    )
    ctx.obj = context
    configure_logging(level=log_level or "info", fmt=log_format or "auto")


cli.add_command(config_command)
cli.add_command(db_group)
cli.add_command(demo_command)
cli.add_command(registry_group)
cli.add_command(reconcile_command)
cli.add_command(keys_group)
cli.add_command(packet_group)
cli.add_command(process_command)
cli.add_command(run_command)
cli.add_command(files_group)
cli.add_command(flags_group)
cli.add_command(rules_command)
cli.add_command(status_command)
cli.add_command(validate_command)


def main(argv: list[str] | None = None) -> int:
    try:
        # Without standalone mode click returns a command's `ctx.exit(code)` instead of exiting.
        result = cli.main(args=argv, prog_name="exchange", standalone_mode=False)
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
        if os.environ.get("EXCHANGE_DEBUG") == "1":
            raise
        click.echo(
            f"internal error: {type(exc).__name__} (rerun with EXCHANGE_DEBUG=1 for details)", err=True
        )
        return 1
    return result if isinstance(result, int) else 0


if __name__ == "__main__":
    sys.exit(main())
