"""Consumer processes for the crash and stop tests: the real `exchange run`, its settings in EXCHANGE_*
variables (with the short group timeouts under which a killed member's partitions move on within
seconds), its JSON log in a file, and killed with the test however the test ends."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from consumers.embedded_broker import die_with_parent
from consumers.faults import FAULT_ENV, FaultPoint
from exchange.settings import Settings
from tests.conftest import REPO_ROOT

# The settings a consumer child needs; everything else keeps its default.
_FIELDS = (
    "data_dir",
    "database_url",
    "keys_dir",
    "partners_dir",
    "kafka_bootstrap_servers",
    "kafka_consumer_group",
    "topic_inbound",
    "topic_status",
    "topic_dlq",
    "topic_flags",
    "topic_partitions",
)


EXCHANGE = str(Path(sys.executable).parent / "exchange")

# Short group timeouts and retries: a killed member's partitions move on, a service that came back
# is seen, within seconds.
FAST = {
    "EXCHANGE_KAFKA_SESSION_TIMEOUT_MS": "2000",
    "EXCHANGE_KAFKA_HEARTBEAT_INTERVAL_MS": "300",
    "EXCHANGE_KAFKA_MAX_POLL_INTERVAL_MS": "10000",
    "EXCHANGE_RETRY_MAX_SECONDS": "1",
    "EXCHANGE_BROKER_CHECK_SECONDS": "2",
}


def consumer_env(
    settings: Settings,
    fault: FaultPoint | None = None,
    metrics_port: int = 0,
    instance_id: str | None = None,
) -> dict[str, str]:
    """The environment of one `exchange run`. Dynamic group membership unless a static member id is
    given: the test broker never expires a static member that died, so the group would wait for it
    forever (Apache Kafka expires it after the session timeout)."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("EXCHANGE_")}
    env.update(
        {
            f"EXCHANGE_{name.upper()}": str(getattr(settings, name))
            for name in _FIELDS
            if getattr(settings, name) is not None
        },
        **FAST,
        EXCHANGE_KAFKA_STATIC_MEMBERSHIP=str(instance_id is not None).lower(),
        EXCHANGE_METRICS_PORT=str(metrics_port),
        EXCHANGE_LOG_FORMAT="json",
        PYTHONPATH=str(REPO_ROOT),
    )
    if instance_id is not None:
        env["EXCHANGE_KAFKA_GROUP_INSTANCE_ID"] = instance_id
    if fault is not None:
        env[FAULT_ENV] = fault.value
    return env


class ConsumerProcess:
    """One `exchange run` process; `close()` (or the test process dying) kills it."""

    def __init__(
        self,
        settings: Settings,
        log_path: Path,
        fault: FaultPoint | None = None,
        metrics_port: int = 0,
        instance_id: str | None = None,
        extra_env: dict[str, str] | None = None,
    ) -> None:
        self.log_path = log_path
        env = {**consumer_env(settings, fault, metrics_port, instance_id), **(extra_env or {})}
        with log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [EXCHANGE, "run"],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=REPO_ROOT,
                env=env,
                preexec_fn=die_with_parent,
            )

    def events(self, name: str) -> list[dict[str, Any]]:
        """The child's log lines with this event name, oldest first."""
        found = []
        for line in self.log_path.read_text(errors="replace").splitlines():
            try:
                entry = json.loads(line)
            except ValueError:
                continue  # a library's plain line (aiokafka logs through the stdlib)
            if isinstance(entry, dict) and entry.get("event") == name:
                found.append(entry)
        return found

    def assigned(self) -> set[int] | None:
        """The partitions of its latest assignment, None before the first one."""
        assignments = self.events("partitions assigned")
        if not assignments:
            return None
        # Logged as "TopicPartition(topic='...', partition=N)".
        return {int(p.rpartition("partition=")[2].rstrip(")")) for p in assignments[-1]["partitions"]}

    def wait_killed(self, timeout_s: float = 60.0) -> None:
        """Wait for the child to kill itself at its fault point."""
        code = self.process.wait(timeout_s)
        assert code == -signal.SIGKILL, f"consumer exited with {code}:\n{self.log_tail()}"
        assert self.events("fault injected"), self.log_tail()

    def wait_logged(self, name: str, count: int = 1, timeout_s: float = 60.0) -> None:
        """Until the process logged `name` at least `count` times (fails early if it exits)."""

        def logged() -> bool:
            if self.process.poll() is not None:
                raise AssertionError(
                    f"exchange run exited with {self.process.returncode}:\n{self.log_tail()}"
                )
            return len(self.events(name)) >= count

        wait_until(logged, timeout_s, f"{count} x {name!r}")

    def terminate(self, bound_s: float = 15.0) -> int:
        """SIGTERM, and the exit code once it is gone; fails when it outlives `bound_s` (a behaviour
        bound above the 10 s of Docker's grace, not a performance figure)."""
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(bound_s)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"still running {bound_s:.0f}s after SIGTERM:\n{self.log_tail()}") from None

    def stop(self, timeout_s: float = 30.0) -> None:
        """SIGTERM, as an operator stops `exchange run`: it must finish and exit 0."""
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout_s)
        assert code == 0, f"consumer exited with {code}:\n{self.log_tail()}"

    def alive(self) -> bool:
        return self.process.poll() is None

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(30)

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


def wait_until(condition: Callable[[], bool], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"not reached in {timeout_s:.0f}s: {what}")
        time.sleep(0.1)
