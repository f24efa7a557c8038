"""Streaming an export to the browser with the CLI's own writers (CSV, Parquet), in constant memory.

The writers write to a stream as rows come; here that stream hands each chunk through a small bounded
queue to the response, so the export holds a few chunks, never the result. The writer runs in its own
thread; when the browser goes away, the next write fails and the writer stops (and its audit entry
keeps the rows that did go out).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from typing import IO, Any, cast

from exchange.logs import get_logger

log = get_logger(__name__)
_CHUNK_BYTES = 64 * 1024
_QUEUED_CHUNKS = 8
_END = object()


class _GoneError(Exception):
    """The browser stopped reading."""


class _QueueStream:
    """A write-only stream whose bytes go, in chunks, into a bounded queue."""

    def __init__(self, chunks: queue.Queue[object], cancelled: threading.Event, text: bool) -> None:
        self._chunks = chunks
        self._cancelled = cancelled
        self._text = text
        self._buffer = bytearray()
        self._written = 0
        self.closed = False

    def write(self, data: Any) -> int:
        raw = data.encode() if self._text and isinstance(data, str) else bytes(data)
        self._buffer += raw
        self._written += len(raw)
        if len(self._buffer) >= _CHUNK_BYTES:
            self.flush()
        return len(data)

    def flush(self) -> None:
        if self._buffer:
            self._put(bytes(self._buffer))
            self._buffer.clear()

    def tell(self) -> int:
        return self._written

    def writable(self) -> bool:
        return True

    def close(self) -> None:
        self.closed = True

    def _put(self, item: object) -> None:
        while not self._cancelled.is_set():
            try:
                self._chunks.put(item, timeout=0.5)
                return
            except queue.Full:
                continue
        raise _GoneError


def streamed(write: Callable[[IO[Any]], None], text: bool) -> Iterator[bytes]:
    """The bytes `write(stream)` writes, as they are written."""
    chunks: queue.Queue[object] = queue.Queue(maxsize=_QUEUED_CHUNKS)
    cancelled = threading.Event()
    stream = _QueueStream(chunks, cancelled, text)
    failure: list[BaseException] = []

    def produce() -> None:
        try:
            write(cast(IO[Any], stream))
            stream.flush()
        except _GoneError:
            return
        except Exception as exc:  # said in the log; the browser sees a cut-off download
            log.exception("console export failed")
            failure.append(exc)
        try:
            stream._put(_END)
        except _GoneError:
            return

    worker = threading.Thread(target=produce, name="console-export", daemon=True)
    worker.start()
    try:
        while True:
            item = chunks.get()
            if item is _END:
                break
            yield cast(bytes, item)
    finally:
        cancelled.set()
        worker.join(timeout=5)
