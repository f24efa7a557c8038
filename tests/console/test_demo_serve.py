"""`exchange demo --serve`: the demo, then the console on its kept store with an operator, an analyst
and an auditor whose printed passwords log in, until Ctrl-C."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from consumers.embedded_broker import die_with_parent, free_port
from tests.conftest import REPO_ROOT
from tests.console.conftest import csrf_of
from tests.pipeline.consumer_process import EXCHANGE

pytestmark = pytest.mark.slow  # a whole demo, its embedded broker, and a served console


def test_the_demo_serves_its_console_with_printed_accounts(tmp_path: Path) -> None:
    port = free_port()
    directory = tmp_path / "demo"
    env = {name: value for name, value in os.environ.items() if not name.startswith("EXCHANGE_")}
    env |= {"EXCHANGE_DATA_DIR": str(tmp_path / "data"), "PYTHONPATH": str(REPO_ROOT)}
    out, err = tmp_path / "out.txt", tmp_path / "err.txt"
    with out.open("wb") as stdout, err.open("wb") as stderr:
        process = subprocess.Popen(
            [EXCHANGE, "demo", "--size", "150", "--serve", "--port", str(port), "--data-dir", str(directory)],
            stdin=subprocess.DEVNULL,
            stdout=stdout,
            stderr=stderr,
            cwd=REPO_ROOT,
            env=env,
            preexec_fn=die_with_parent,
        )
    try:
        deadline = time.monotonic() + 300
        while "the console is at" not in err.read_text():
            assert process.poll() is None, (
                f"the demo exited with {process.returncode}: {err.read_text()[-2000:]}"
            )
            assert time.monotonic() < deadline, "the console did not start"
            time.sleep(0.5)
        printed = out.read_text()
        accounts = dict(re.findall(r"^  (operator|analyst|auditor)\s+\w+\s+(\S+)$", printed, re.M))
        assert set(accounts) == {"operator", "analyst", "auditor"}, printed[-1500:]
        url = f"http://127.0.0.1:{port}"
        for name, home, seen in [("operator", "/", "Overview"), ("analyst", "/flags", "Flags")]:
            with httpx.Client(base_url=url, follow_redirects=True) as client:
                form = client.get("/login")
                logged = client.post(
                    "/login",
                    data={"name": name, "password": accounts[name], "csrf_token": csrf_of(form.text)},
                )
                assert logged.status_code == 200 and str(logged.url).endswith(home), logged.text[-500:]
                assert seen in logged.text
        process.send_signal(signal.SIGINT)
        assert process.wait(30) == 0, err.read_text()[-2000:]
        assert (directory / "exchange.db").exists(), "the served demo keeps its store"
    finally:
        if process.poll() is None:
            process.kill()
