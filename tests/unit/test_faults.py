"""The crash tests' fault injector: disarmed unless the environment arms it, and never by a typo."""

from __future__ import annotations

import pytest

from consumers.faults import FAULT_ENV, FaultInjector, FaultPoint
from exchange.cli.main import main
from exchange.errors import ConfigError


def test_disarmed_without_the_variable() -> None:
    injector = FaultInjector.from_environment()
    assert injector.armed is None
    for point in FaultPoint:
        injector.reach(point)  # still alive


def test_armed_by_the_variable_for_one_point_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(FAULT_ENV, "after-publish")
    injector = FaultInjector.from_environment()
    assert injector.armed is FaultPoint.AFTER_PUBLISH
    injector.reach(FaultPoint.BEFORE_STORE_COMMIT)  # another point: still alive
    injector.reach(FaultPoint.AFTER_STORE_COMMIT)


def test_an_unknown_point_is_refused(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(FAULT_ENV, "after-pubilsh")
    with pytest.raises(ConfigError, match="not a fault point"):
        FaultInjector.from_environment()
    assert main(["run"]) == 1  # before touching the database or the broker
    assert "is not a fault point" in capsys.readouterr().err
