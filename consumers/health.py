"""Whether an `exchange run` is consuming, judged from its metrics (`exchange health`).

Consuming means: it polled its partitions recently (it does so while a file is processed too), the
broker answered it recently (its periodic check, or a confirmed publish), and it waits for nothing.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from dataclasses import dataclass

from prometheus_client.parser import text_string_to_metric_families

from consumers.metrics import BROKER_CONTACT, LAST_POLL, WAITING, WAITING_SERVICES


class MetricsUnreachableError(Exception):
    """No metrics endpoint answers on the port."""


@dataclass(frozen=True)
class Liveness:
    last_poll: float  # Unix time, 0 when never
    broker_contact: float
    waiting_for: tuple[str, ...]  # services it waits for, e.g. ("database",)


def read_liveness(port: int, host: str = "127.0.0.1", timeout_s: float = 5.0) -> Liveness:
    url = f"http://{host}:{port}/metrics"
    try:
        with urllib.request.urlopen(url, timeout=timeout_s) as response:
            text = response.read().decode("utf-8", "replace")
    except (urllib.error.URLError, OSError, TimeoutError) as exc:
        reason = getattr(exc, "reason", exc)
        raise MetricsUnreachableError(f"{type(reason).__name__}: {reason}") from None
    values: dict[str, float] = {}
    waiting: list[str] = []
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == WAITING and sample.value and sample.labels.get("service") in WAITING_SERVICES:
                waiting.append(sample.labels["service"])
            elif sample.name in {LAST_POLL, BROKER_CONTACT}:
                values[sample.name] = sample.value
    return Liveness(values.get(LAST_POLL, 0.0), values.get(BROKER_CONTACT, 0.0), tuple(sorted(waiting)))


def problem(liveness: Liveness, now: float, max_age_s: float) -> str | None:
    """Why the runner is not consuming, in one sentence; None when it is."""
    if liveness.waiting_for:
        return f"exchange run is waiting for the {' and the '.join(liveness.waiting_for)} (see its log)"
    if not liveness.last_poll:
        return "exchange run has not polled its partitions yet (starting, or joining the consumer group)"
    if (age := now - liveness.last_poll) > max_age_s:
        return f"exchange run last polled {age:.0f}s ago (more than {max_age_s:.0f}s): it is stuck"
    if not liveness.broker_contact:
        return "the broker has not answered exchange run yet"
    if (age := now - liveness.broker_contact) > max_age_s:
        return f"the broker last answered exchange run {age:.0f}s ago (more than {max_age_s:.0f}s)"
    return None
