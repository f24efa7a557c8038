"""Hearing libxml2's errors while it parses, not only when the parse is over.

lxml's streaming schema validation (a parser given `schema=`) only raises at `close()`, with no line number:
libxml2 validates SAX events, not a tree. Every error does pass through lxml's per-thread global error
log at the moment libxml2 reports it, so this module installs, once per thread, a log that forwards each
entry to whoever is listening on that thread. The schema validator listens while it feeds the parser and
so learns which events came before each error, hence the element, line and path it concerns.

The global log is thread-local in lxml, so this changes nothing for other threads; on a thread where no
one listens, entries are dropped, as lxml's default global log would keep them unseen.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from lxml import etree

Listener = Callable[[etree._LogEntry], None]


class _ForwardingLog(etree.PyErrorLog):
    def __init__(self, state: threading.local) -> None:
        super().__init__()
        self._state = state

    def receive(self, log_entry: etree._LogEntry) -> None:
        listener: Listener | None = getattr(self._state, "listener", None)
        if listener is not None:
            listener(log_entry)


_state = threading.local()


@contextmanager
def listening(listener: Listener) -> Iterator[None]:
    """Call `listener` with every libxml2 error and warning raised on this thread inside the block."""
    if not getattr(_state, "installed", False):
        etree.use_global_python_log(_ForwardingLog(_state))
        _state.installed = True
    previous: Listener | None = getattr(_state, "listener", None)
    _state.listener = listener
    try:
        yield
    finally:
        _state.listener = previous
