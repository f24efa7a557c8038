"""A broker of a test's own, for tests that stop, restart or start it late (on a port chosen first)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from consumers.embedded_broker import EmbeddedBroker


class OwnBroker:
    """Started, restarted and stopped from one long-lived thread: Linux signals the broker to die when
    the *thread* that started it ends (PR_SET_PDEATHSIG)."""

    def __init__(self, log_path: Path, port: int | None = None) -> None:
        self.keeper = ThreadPoolExecutor(max_workers=1, thread_name_prefix="broker-keeper")
        self.broker = EmbeddedBroker(port=port, log_path=log_path)
        self.servers: str | None = None

    def start(self) -> str:
        self.servers = self.keeper.submit(self.broker.start).result()
        return self.servers

    def restart_empty(self) -> None:
        """Stop it and start it again on the same port, with nothing in it (it keeps no data)."""
        self.keeper.submit(self._restart).result()

    def _restart(self) -> None:
        self.broker.stop()
        self.broker.start()

    def close(self) -> None:
        self.keeper.submit(self.broker.stop).result()
        self.keeper.shutdown()
