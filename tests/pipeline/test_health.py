"""`exchange health` judges an `exchange run` from its metrics: consuming, stuck, cut off from the
broker, or waiting for a service (the processes themselves are in test_stop.py)."""

from __future__ import annotations

import pytest

from consumers.health import Liveness, problem
from exchange.cli.main import main

NOW = 1_800_000_000.0


@pytest.mark.parametrize(
    ("liveness", "expected"),
    [
        (Liveness(NOW - 1, NOW - 5, ()), None),
        (Liveness(NOW - 1, NOW - 5, ("database",)), "exchange run is waiting for the database (see its log)"),
        (Liveness(0, 0, ()), "exchange run has not polled its partitions yet (starting, or joining the "
                             "consumer group)"),
        (Liveness(NOW - 75, NOW - 5, ()), "exchange run last polled 75s ago (more than 60s): it is stuck"),
        (Liveness(NOW - 1, 0, ()), "the broker has not answered exchange run yet"),
        (Liveness(NOW - 1, NOW - 90, ()), "the broker last answered exchange run 90s ago (more than 60s)"),
    ],
)  # fmt: skip
def test_what_is_wrong_in_one_sentence(liveness: Liveness, expected: str | None) -> None:
    assert problem(liveness, NOW, 60) == expected


def test_metrics_off_is_a_clear_failure(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("EXCHANGE_METRICS_PORT", "0")
    assert main(["health"]) == 1
    assert capsys.readouterr().err == (
        "error: metrics are off (EXCHANGE_METRICS_PORT=0): `exchange health` reads them\n"
    )
