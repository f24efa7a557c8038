"""A readable binary stream over an iterator of chunks, which remembers the failure that ended it."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator

from exchange.errors import ExchangeError


class ChunkStream(io.RawIOBase):
    """`read()` raises the pipeline's error where it happens, and again on every later read:
    a consumer that swallows it once never mistakes the end of a failed stream for success."""

    def __init__(
        self, chunks: Iterator[bytes], on_error: Callable[[ExchangeError], None] | None = None
    ) -> None:
        self._chunks = chunks
        self._buffer = memoryview(b"")
        self._error: ExchangeError | None = None
        self._on_error = on_error
        self.exhausted = False

    def readable(self) -> bool:
        return True

    def readinto(self, target: bytearray | memoryview) -> int:  # type: ignore[override]
        if self._error is not None:
            raise self._error
        while not self._buffer:
            if self.exhausted:
                return 0
            try:
                chunk = next(self._chunks, None)
            except ExchangeError as exc:
                self._error = exc
                if self._on_error is not None:
                    self._on_error(exc)
                raise
            if chunk is None:
                self.exhausted = True
                return 0
            self._buffer = memoryview(chunk)
        size = min(len(target), len(self._buffer))
        target[:size] = self._buffer[:size]
        self._buffer = self._buffer[size:]
        return size
