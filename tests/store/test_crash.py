"""A load killed with SIGKILL halfway leaves nothing visible, and redoing it equals one clean run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from exchange import db
from exchange.store import FileState, file_outcome, store_file
from exchange.store.models import AccountReportRow, DocRecord, MessageHeaderRow, PartyRow, PaymentRow
from tests.conftest import REPO_ROOT
from tests.store import factory as f
from tests.store.conftest import snapshot
from tests.store.load_child import CRASH_MESSAGE, CRASH_PACKET

REPORTS, BATCH, HALFWAY = 1200, 200, 600  # six batches; killed after three


def _kill_halfway(url: str, while_paused: Callable[[], None]) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.store.load_child", url, str(REPORTS), str(BATCH), str(HALFWAY)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        cwd=REPO_ROOT,
        env=env,
        text=True,
    )
    try:
        assert child.stdout is not None
        line = child.stdout.readline()
        assert line.startswith("halfway"), f"child did not reach halfway: {line!r}"
        while_paused()
        child.send_signal(signal.SIGKILL)
    finally:
        child.kill()
        child.wait(30)
    assert child.returncode == -signal.SIGKILL


def _rows(engine: Engine) -> dict[str, int]:
    with Session(engine) as session:
        return {
            model.__name__: int(session.scalar(select(func.count()).select_from(model)) or 0)
            for model in (DocRecord, AccountReportRow, PartyRow, PaymentRow, MessageHeaderRow)
        }


def test_a_load_killed_halfway_leaves_nothing_and_redoing_it_equals_a_clean_run(
    db_url: str, db_engine: Engine, clean_url: str
) -> None:
    def nothing_visible() -> None:
        # Half the file is written by now, inside the child's open transaction.
        assert set(_rows(db_engine).values()) == {0}

    _kill_halfway(db_url, nothing_visible)

    assert set(_rows(db_engine).values()) == {0}
    registered = file_outcome(db_engine, f.packet(CRASH_PACKET).sha256)
    assert registered is not None and registered.state is FileState.RECEIVED

    redone = store_file(
        db_engine,
        f.packet(CRASH_PACKET),
        f.header(CRASH_MESSAGE),
        f.new_file("FI-CRASH", f.many_reports(REPORTS)),
    )
    assert (redone.state, redone.records_stored, redone.replayed) == (FileState.STORED, REPORTS + 1, False)

    clean = db.create_db_engine(clean_url)
    try:
        db.upgrade(clean)
        store_file(
            clean,
            f.packet(CRASH_PACKET),
            f.header(CRASH_MESSAGE),
            f.new_file("FI-CRASH", f.many_reports(REPORTS)),
        )
        assert snapshot(db_engine) == snapshot(clean)
        assert _rows(db_engine) == _rows(clean)
    finally:
        clean.dispose()
