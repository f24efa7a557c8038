"""Child process of the crash test: loads a big-ish file and announces when it is halfway, then waits
(inside the open transaction) for the parent's SIGKILL.

Usage: python -m tests.store.load_child DATABASE_URL REPORTS BATCH HALFWAY
"""

from __future__ import annotations

import sys
import time

from exchange import db
from exchange.store import register_file, store_file
from tests.store import factory as f

CRASH_PACKET = "crash-test"
CRASH_MESSAGE = "NL2025BE-CRASH"


def main(url: str, reports: int, batch: int, halfway: int) -> None:
    engine = db.create_db_engine(url)
    register_file(engine, f.packet(CRASH_PACKET))  # the pipeline registers a file before loading it

    def progress(seen: int) -> None:
        if seen >= halfway:
            print(f"halfway {seen}", flush=True)
            time.sleep(3600)  # the parent kills the process here, mid-transaction

    stream = f.new_file("FI-CRASH", f.many_reports(reports))
    store_file(
        engine, f.packet(CRASH_PACKET), f.header(CRASH_MESSAGE), stream, batch_size=batch, on_batch=progress
    )
    print("finished", flush=True)  # never reached when the parent does its job


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))
