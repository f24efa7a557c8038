"""Options several commands share, with one reading and one error message each."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import click

from exchange.audit import OPERATOR_ENV
from exchange.timewindow import TimeSpecError, parse_moment


class MomentType(click.ParamType[datetime]):
    """A date, a date and time, or a duration back from now (24h, 7d), as a UTC datetime."""

    name = "time"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> datetime:
        if isinstance(value, datetime):
            return value
        try:
            return parse_moment(str(value))
        except TimeSpecError as exc:
            self.fail(str(exc), param, ctx)


MOMENT = MomentType()


def time_window_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """`--since` and `--until` (passed as `since` and `until`, None when not given)."""
    command = click.option(
        "--until", type=MOMENT, help="Only before this time: a date, a date and time, or a duration ago."
    )(command)
    return click.option(
        "--since", type=MOMENT, help="Only from this time on: a date, a date and time, or a duration (24h)."
    )(command)


# Operators' actions are audited under this name (exchange/audit).
operator_option = click.option(
    "--operator",
    envvar=OPERATOR_ENV,
    help=f"Who acts, for the audit trail (also {OPERATOR_ENV}; default: the OS user).",
)
