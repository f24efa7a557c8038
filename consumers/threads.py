"""Blocking work (a file's processing, the store's bookkeeping) off the event loop, in daemon threads.

`asyncio.to_thread` would do, but its pool's threads are joined when the loop closes and again when
the interpreter exits: a stop could then take as long as the file in hand. A daemon thread can be left
behind: the process exits, the file's open transaction dies with its connection (the database rolls it
back) and the uncommitted record is delivered again, exactly as after a crash.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

_running = 0
_lock = threading.Lock()


def busy_threads() -> int:
    """How many worker threads are still running (abandoned work, after a stop)."""
    return _running


def in_daemon_thread(work: Callable[[], T]) -> asyncio.Future[T]:
    """Run `work` in a new daemon thread; its result or exception arrives in the returned future."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()
    context = contextvars.copy_context()  # log bindings travel with the work, as with to_thread

    def settle(outcome: Callable[[], None]) -> None:
        if not future.done():
            outcome()

    def target() -> None:
        global _running
        try:
            result = context.run(work)
        except BaseException as exc:  # handed to the awaiting coroutine, which decides
            error = exc
            _deliver(loop, lambda: settle(lambda: future.set_exception(error)))
        else:
            _deliver(loop, lambda: settle(lambda: future.set_result(result)))
        finally:
            with _lock:
                _running -= 1

    global _running
    with _lock:
        _running += 1
    threading.Thread(target=target, name="exchange-work", daemon=True).start()
    return future


def _deliver(loop: asyncio.AbstractEventLoop, callback: Callable[[], None]) -> None:
    # The loop may be closed already when abandoned work ends: nobody waits for it any more.
    with contextlib.suppress(RuntimeError):
        loop.call_soon_threadsafe(callback)
