"""`exchange health`: exit 0 when the `exchange run` of this host is consuming, 1 with the reason.

For container health checks (docker-compose): unlike `exchange db current`, it reflects consumption,
read from the runner's metrics endpoint on EXCHANGE_METRICS_PORT.
"""

from __future__ import annotations

import time

import click

from exchange.cli.context import CliContext, pass_context
from exchange.errors import ExchangeError


class NotConsumingError(ExchangeError):
    """The runner is absent, stuck, or waiting for a service."""


@click.command("health")
@click.option(
    "--max-age",
    type=click.FloatRange(min=1),
    default=60.0,
    show_default=True,
    help="Seconds since the last poll and the broker's last answer beyond which the runner is unhealthy.",
)
@click.option(
    "--port", type=click.IntRange(1, 65535), help="Metrics port to ask (default EXCHANGE_METRICS_PORT)."
)
@pass_context
def health_command(context: CliContext, max_age: float, port: int | None) -> None:
    """Exit 0 when `exchange run` on this host is consuming; otherwise exit 1 with one line saying why."""
    from consumers.health import MetricsUnreachableError, problem, read_liveness

    port = port or context.settings.metrics_port
    if not port:
        raise NotConsumingError("metrics are off (EXCHANGE_METRICS_PORT=0): `exchange health` reads them")
    try:
        liveness = read_liveness(port)
    except MetricsUnreachableError as exc:
        raise NotConsumingError(f"no exchange run answers on metrics port {port} ({exc})") from None
    now = time.time()
    if (reason := problem(liveness, now, max_age)) is not None:
        raise NotConsumingError(reason)
    click.echo(
        f"consuming: last poll {now - liveness.last_poll:.0f}s ago, "
        f"broker answered {now - liveness.broker_contact:.0f}s ago"
    )
