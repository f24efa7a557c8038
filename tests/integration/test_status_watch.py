"""`exchange status --watch`: redrawn in place on a terminal, one plain report per interval elsewhere,
and Ctrl-C ends it cleanly (exit 0), as a user runs it: the console script in its own process."""

from __future__ import annotations

import os
import pty
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from consumers.embedded_broker import free_port
from exchange import db

_EXCHANGE = str(Path(sys.executable).parent / "exchange")
_REDRAW = b"\x1b[H\x1b[2J"
_FRAME = b"exchange status at "
_GUARD_S = 120  # only against a hang: the test waits for output, not for a time


@pytest.fixture
def environment(tmp_path: Path) -> dict[str, str]:
    engine = db.create_db_engine(f"sqlite:///{tmp_path / 'exchange.db'}")
    db.upgrade(engine)
    engine.dispose()
    return {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "EXCHANGE_DATA_DIR": str(tmp_path),
        "EXCHANGE_KAFKA_BOOTSTRAP_SERVERS": f"127.0.0.1:{free_port()}",
    }


def _read_until(fd: int, wanted: bytes, count: int) -> bytes:
    """Read from `fd` until `wanted` has appeared `count` times."""
    seen = b""
    deadline = time.monotonic() + _GUARD_S
    while seen.count(wanted) < count:
        assert time.monotonic() < deadline, f"no {count} frames: {seen!r}"
        ready, _, _ = select.select([fd], [], [], 1.0)
        if ready:
            chunk = os.read(fd, 65536)
            assert chunk, f"the command ended: {seen!r}"
            seen += chunk
    return seen


_COMMAND = [_EXCHANGE, "status", "--watch", "--interval", "0.5", "--broker-timeout", "0.5"]


def test_watch_prints_one_plain_report_per_interval_off_a_terminal(environment: dict[str, str]) -> None:
    process = subprocess.Popen(_COMMAND, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None and process.stderr is not None
    output = _read_until(process.stdout.fileno(), _FRAME, 2)
    process.send_signal(signal.SIGINT)
    assert process.wait(_GUARD_S) == 0
    output += process.stdout.read()
    assert b"\x1b" not in output
    assert b"recent files: none" in output
    assert process.stderr.read() == b""


def test_watch_redraws_in_place_on_a_terminal_and_ctrl_c_exits_0(environment: dict[str, str]) -> None:
    controller, terminal = pty.openpty()
    process = subprocess.Popen(_COMMAND, env=environment, stdout=terminal, stderr=subprocess.PIPE)
    os.close(terminal)
    try:
        output = _read_until(controller, _REDRAW, 2)
        process.send_signal(signal.SIGINT)
        assert process.wait(_GUARD_S) == 0
    finally:
        os.close(controller)
    assert output.count(_REDRAW) == output.count(_FRAME) >= 2  # every frame starts on a cleared screen
    assert process.stderr is not None and b"Traceback" not in process.stderr.read()
