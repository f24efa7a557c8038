"""The cyclic garbage collector held back while a file's rows are worked through.

Reconciliation and flag evaluation allocate millions of short-lived tuples, rows and facts. Python's
collector counts allocations and, every few hundred, walks the young objects, and now and then every
object of the process: SQLAlchemy's and the product's modules, caches and compiled statements, which
never die. Measured on a 10k-report file, that walking cost about a quarter of the CPU of
reconciliation and of flag evaluation (bench/flags.py, bench/pipeline.py). Almost all those objects are
freed by reference counting as soon as a batch is done; the collector is needed only for cycles, which
are few here.

`collector_paused()` therefore moves everything alive on entry out of the collector's reach
(`gc.freeze`) and collects the young generation far less often; on exit both are undone and one young
collection runs, so cycles made meanwhile are still freed. Nested and concurrent uses (the runner's
worker threads) share one pause: the first to enter starts it, the last to leave ends it.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

# Allocations between young collections during a pause (CPython's default is 700): cycles are still
# found, at a cost per batch of rows rather than per few rows. 100,000 saved no more CPU and left
# `exchange process` of 100k reports at 283 MiB peak instead of 217 (bench figures in git log).
PAUSED_THRESHOLD = 20_000

_lock = threading.Lock()
_depth = 0
_saved: tuple[int, int, int] | None = None


@contextmanager
def collector_paused() -> Iterator[None]:
    """Run the block with the long-lived objects frozen and young collections rare (see above)."""
    global _depth, _saved
    with _lock:
        if _depth == 0:
            _saved = gc.get_threshold()
            gc.freeze()
            gc.set_threshold(PAUSED_THRESHOLD, _saved[1], _saved[2])
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _saved is not None:
                gc.set_threshold(*_saved)
                gc.unfreeze()
                gc.collect(0)
