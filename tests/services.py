"""Throwaway services for the tests: a PostgreSQL 15 cluster that dies with the test process."""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg

from consumers.embedded_broker import die_with_parent, free_port


class ServiceMissingError(RuntimeError):
    """A binary the harness needs is not installed."""


def postgres_bin_dir() -> Path:
    """The PostgreSQL server binaries: $PG_BIN, the newest /usr/lib/postgresql/N/bin, or PATH."""
    candidates = [os.environ.get("PG_BIN", "")]
    candidates += sorted(
        (str(p) for p in Path("/usr/lib/postgresql").glob("*/bin")),
        key=lambda p: int(Path(p).parent.name) if Path(p).parent.name.isdigit() else 0,
        reverse=True,
    )
    initdb = shutil.which("initdb")
    if initdb:
        candidates.append(str(Path(initdb).resolve().parent))
    for candidate in candidates:
        if candidate and (Path(candidate) / "postgres").is_file() and (Path(candidate) / "initdb").is_file():
            return Path(candidate)
    raise ServiceMissingError(
        "PostgreSQL server binaries (initdb, postgres) not found; install postgresql-15"
    )


def _as_user(user: pwd.struct_passwd | None) -> None:
    """preexec_fn: drop to the cluster's owner, then ask to die with the parent (order matters:
    changing the user clears the parent-death signal)."""
    if user is not None:
        os.setgid(user.pw_gid)
        os.setuid(user.pw_uid)
    die_with_parent(signal.SIGQUIT)  # SIGQUIT = immediate shutdown of the postmaster and its children


@dataclass
class PostgresCluster:
    """A PostgreSQL cluster in a temporary directory, listening on loopback only."""

    bin_dir: Path
    root: Path
    port: int
    process: subprocess.Popen[bytes] | None = None
    user: pwd.struct_passwd | None = None

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    @classmethod
    def start(cls, timeout: float = 30.0) -> PostgresCluster:
        bin_dir = postgres_bin_dir()
        root = Path(tempfile.mkdtemp(prefix="exchange-pg-"))
        # initdb refuses to run as root: as root, the cluster belongs to the `postgres` system user.
        user = pwd.getpwnam("postgres") if os.geteuid() == 0 else None
        if user is not None:
            os.chown(root, user.pw_uid, user.pw_gid)
        cluster = cls(bin_dir=bin_dir, root=root, port=free_port(), user=user)
        cluster._initdb()
        cluster._run(timeout)
        return cluster

    def _initdb(self) -> None:
        subprocess.run(
            [
                str(self.bin_dir / "initdb"),
                "-D",
                str(self.data_dir),
                "-U",
                "postgres",
                "--auth=trust",
                "--no-sync",
                "-E",
                "UTF8",
                "--locale=C",
            ],
            check=True,
            capture_output=True,
            preexec_fn=lambda: _as_user(self.user),
        )

    def _run(self, timeout: float) -> None:
        settings = {
            "listen_addresses": "127.0.0.1",
            "port": str(self.port),
            "unix_socket_directories": str(self.root),
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
            "max_connections": "100",
        }
        args = [str(self.bin_dir / "postgres"), "-D", str(self.data_dir)]
        for key, value in settings.items():
            args += ["-c", f"{key}={value}"]
        log = (self.root / "postgres.log").open("ab")
        self.process = subprocess.Popen(
            args,
            stdout=log,
            stderr=subprocess.STDOUT,
            preexec_fn=lambda: _as_user(self.user),
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"postgres exited: {(self.root / 'postgres.log').read_text()[-2000:]}")
            with contextlib.suppress(psycopg.OperationalError):
                psycopg.connect(self.url().replace("+psycopg", ""), connect_timeout=1).close()
                return
            time.sleep(0.05)
        raise RuntimeError("postgres did not accept connections in time")

    def create_database(self, name: str) -> str:
        with psycopg.connect(self.url().replace("+psycopg", ""), autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def halt(self) -> None:
        """Shut the server down (fast: open transactions are rolled back), keeping its data."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # fast shutdown
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def restart(self, timeout: float = 30.0) -> None:
        """Start a halted server again, on the same port and data directory (outage tests). The server
        dies with the thread that calls this, as with `start`: call it from one that outlives its use."""
        self.halt()
        self._run(timeout)

    def stop(self) -> None:
        self.halt()
        shutil.rmtree(self.root, ignore_errors=True)


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def assert_outlived_by_nothing(script: str, timeout: float = 15.0) -> None:
    """Run `script` (which starts a service and prints its port) in a child, SIGKILL the child, and
    check that the service's port closes: nothing it started may outlive it."""
    repo = Path(__file__).resolve().parent.parent
    child = subprocess.Popen(
        [sys.executable, "-c", script],
        stdout=subprocess.PIPE,
        text=True,
        cwd=repo,
        env={**os.environ, "PYTHONPATH": str(repo)},
    )
    assert child.stdout is not None
    port = int(child.stdout.readline())
    assert _port_open(port)
    child.send_signal(signal.SIGKILL)
    child.wait()
    deadline = time.monotonic() + timeout
    while _port_open(port) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _port_open(port)
