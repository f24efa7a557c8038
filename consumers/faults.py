"""Fault injection for the crash tests, and for nothing else: SIGKILL this process at a named point,
or stall it there (the stop tests need a file that is still in hand when SIGTERM comes).

The crash tests must kill a consumer at exact places of a file's path (before the store's commit,
between the commit and the status publish, between the publish and the offset commit), which no timing
can hit reliably. `exchange run` reads EXCHANGE_FAULT_INJECT once, when it starts; unset (as it always
is in production) the injector is disarmed and every `reach()` is a comparison that does nothing. The
variable is deliberately not a setting: no config file or flag can arm it, and it is not documented for
operators. An unknown point is refused, so a mistyped crash test fails instead of passing vacuously.
"""

from __future__ import annotations

import os
import signal
import time
from dataclasses import dataclass
from enum import StrEnum

from exchange.errors import ConfigError
from exchange.logs import get_logger

FAULT_ENV = "EXCHANGE_FAULT_INJECT"

log = get_logger(__name__)


class FaultPoint(StrEnum):
    BEFORE_STORE_COMMIT = "before-store-commit"  # a batch is written, the file's transaction still open
    AFTER_STORE_COMMIT = "after-store-commit"  # the handler returned (outcome committed), nothing published
    AFTER_PUBLISH = "after-publish"  # the status message is out, the offset not committed
    STALL_BEFORE_STORE_COMMIT = "stall-before-store-commit"  # as the first, but hangs instead of dying
    # `exchange outbound send`: the packet is stored, not published; published, not recorded as sent.
    # Each step of an outbound message: cut (its transaction open), sealed (the packet not stored yet),
    # packaged (stored, not published), published (not recorded as sent), recorded.
    BEFORE_OUTBOUND_CUT_COMMIT = "before-outbound-cut-commit"
    BEFORE_OUTBOUND_PACKET_STORED = "before-outbound-packet-stored"
    AFTER_OUTBOUND_PACKAGE = "after-outbound-package"
    AFTER_OUTBOUND_PUBLISH = "after-outbound-publish"
    AFTER_OUTBOUND_RECORD = "after-outbound-record"


STALL_SECONDS = 300.0
KILL_POINTS = (FaultPoint.BEFORE_STORE_COMMIT, FaultPoint.AFTER_STORE_COMMIT, FaultPoint.AFTER_PUBLISH)


@dataclass(frozen=True)
class FaultInjector:
    """Kills the process the first time it reaches the armed point; disarmed, it never does anything."""

    armed: FaultPoint | None = None

    @classmethod
    def from_environment(cls) -> FaultInjector:
        value = os.environ.get(FAULT_ENV, "").strip()
        if not value:
            return cls()
        try:
            point = FaultPoint(value)
        except ValueError:
            known = ", ".join(point.value for point in FaultPoint)
            raise ConfigError(f"{FAULT_ENV}={value!r} is not a fault point ({known})") from None
        log.warning("fault injection armed", point=value, note="crash tests only: this process kills itself")
        return cls(point)

    def reach(self, point: FaultPoint) -> None:
        if point is not self.armed:
            return
        if point is FaultPoint.STALL_BEFORE_STORE_COMMIT:
            log.warning("fault injected", point=point.value, action="stall", seconds=STALL_SECONDS)
            time.sleep(STALL_SECONDS)
            return
        log.warning("fault injected", point=point.value, action="SIGKILL")
        os.kill(os.getpid(), signal.SIGKILL)

    def before_store_commit(self, records_seen: int) -> None:
        """The pipeline's `on_batch` hook: called inside the file's open transaction."""
        self.reach(FaultPoint.BEFORE_STORE_COMMIT)
        self.reach(FaultPoint.STALL_BEFORE_STORE_COMMIT)
