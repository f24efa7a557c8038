"""The bytes of a received file, as chunks: from memory, a path, an open binary stream or an iterable.

Every reader in the product takes the file this way so that a decrypted stream of several gigabytes is
never held whole.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO, Protocol, TypeAlias, runtime_checkable

DEFAULT_CHUNK_SIZE = 64 * 1024


@runtime_checkable
class Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


Source: TypeAlias = bytes | bytearray | memoryview | os.PathLike[str] | BinaryIO | Readable | Iterable[bytes]


def iter_chunks(source: Source, chunk_size: int = DEFAULT_CHUNK_SIZE) -> Iterator[bytes]:
    """Yield the source's bytes in order, in chunks of at most `chunk_size` (iterables keep their own)."""
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
        for start in range(0, len(data), chunk_size):
            yield data[start : start + chunk_size]
    elif isinstance(source, os.PathLike):
        with Path(source).open("rb") as stream:
            yield from _read_stream(stream, chunk_size)
    elif isinstance(source, Readable):
        yield from _read_stream(source, chunk_size)
    else:
        for chunk in source:
            if chunk:
                yield bytes(chunk)


def _read_stream(stream: Readable, chunk_size: int) -> Iterator[bytes]:
    while chunk := stream.read(chunk_size):
        yield chunk
