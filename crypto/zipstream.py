"""Inflate the single file inside a payload's inner ZIP from a forward-only stream (FACTS §4).

`zipfile` needs to seek to the central directory at the end of the archive; a decrypted stream
cannot seek, so the local header is read instead, the entry inflated as it arrives, and its CRC and
sizes checked against the header or the data descriptor that follows it. Output size and compression
ratio are bounded (ZIP bombs end with 50003 long before memory or disk fill).
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Generator, Iterable, Iterator

from crypto.errors import FileErrorCode, PacketError
from crypto.limits import Limits

_LOCAL_HEADER = struct.Struct("<4sHHHHHIIIHH")
_LOCAL_MAGIC = b"PK\x03\x04"
_DESCRIPTOR_MAGIC = b"PK\x07\x08"
_CENTRAL_MAGICS = (b"PK\x01\x02", b"PK\x05\x06", b"PK\x06\x06")
_ZIP64_EXTRA = 0x0001
_STORED, _DEFLATED = 0, 8
_FLAG_ENCRYPTED, _FLAG_DESCRIPTOR = 0x1, 0x8
_OUT_STEP = 64 * 1024  # also the XML parser's feed size, which bounds the canonicalizer's buffers


def _failed(message: str) -> PacketError:
    return PacketError(FileErrorCode.FAILED_DECOMPRESSION, message)


class _Input:
    """A forward-only byte reader over chunks, counting what it consumed."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._chunks = iter(chunks)
        self._buffer = b""
        self.consumed = 0

    def next_chunk(self) -> bytes:
        if self._buffer:
            data, self._buffer = self._buffer, b""
        else:
            data = next(self._chunks, b"")
        self.consumed += len(data)
        return data

    def unread(self, data: bytes) -> None:
        self._buffer = data + self._buffer
        self.consumed -= len(data)

    def read_exact(self, size: int, what: str) -> bytes:
        parts, missing = [], size
        while missing:
            data = self.next_chunk()
            if not data:
                raise _failed(f"the payload ZIP ends inside its {what}")
            parts.append(data[:missing])
            self.unread(data[missing:])
            missing -= len(parts[-1])
        return b"".join(parts)

    def drain(self) -> int:
        size = 0
        while data := self.next_chunk():
            size += len(data)
        return size


class ZipEntryInflater:
    """Iterate to get the entry's bytes; `name` is known after the first chunk."""

    def __init__(self, chunks: Iterable[bytes], limits: Limits) -> None:
        self._input = _Input(chunks)
        self._limits = limits
        self.name = ""
        self.size = 0

    def __iter__(self) -> Iterator[bytes]:
        header = self._input.read_exact(_LOCAL_HEADER.size, "header")
        magic, _version, flags, method, _time, _date, crc, csize, usize, name_len, extra_len = (
            _LOCAL_HEADER.unpack(header)
        )
        if magic != _LOCAL_MAGIC:
            raise _failed("the decrypted payload is not a ZIP archive")
        self.name = self._input.read_exact(name_len, "file name").decode("utf-8", "replace")
        extra = self._input.read_exact(extra_len, "extra field")
        if flags & _FLAG_ENCRYPTED:
            raise _failed("the payload ZIP entry is password-protected")
        zip64 = _zip64_sizes(extra, usize, csize)
        if zip64 is not None:
            usize, csize = zip64
        if method == _DEFLATED:
            checksum = yield from self._inflate()
        elif method == _STORED and not flags & _FLAG_DESCRIPTOR:
            checksum = yield from self._copy(csize)
        else:
            raise _failed(f"unsupported ZIP compression method {method}")
        if flags & _FLAG_DESCRIPTOR:
            crc, usize = self._read_descriptor(zip64 is not None)
        if checksum != crc or self.size != usize:
            raise _failed("the payload ZIP entry fails its CRC or size check")
        self._check_trailer()

    def _account(self, produced: int) -> None:
        self.size += produced
        limits = self._limits
        if self.size > limits.max_decompressed_bytes:
            raise _failed(f"the payload inflates beyond {limits.max_decompressed_bytes} bytes")
        if self.size > limits.ratio_grace_bytes and self.size > limits.max_compression_ratio * max(
            self._input.consumed, 1
        ):
            raise _failed(f"the payload's compression ratio exceeds {limits.max_compression_ratio}:1")

    def _inflate(self) -> Generator[bytes, None, int]:
        inflater = zlib.decompressobj(-zlib.MAX_WBITS)
        checksum = 0
        while not inflater.eof:
            data = self._input.next_chunk()
            if not data:
                raise _failed("the payload ZIP entry is truncated")
            while data and not inflater.eof:
                try:
                    out = inflater.decompress(data, _OUT_STEP)  # bounded: a bomb never lands in memory whole
                except zlib.error:
                    raise _failed("the payload ZIP entry is not valid deflate data") from None
                data = inflater.unconsumed_tail
                if out:
                    self._account(len(out))
                    checksum = zlib.crc32(out, checksum)
                    yield out
            self._input.unread(inflater.unused_data + data)
        return checksum

    def _copy(self, size: int) -> Generator[bytes, None, int]:
        checksum, left = 0, size
        while left:
            data = self._input.next_chunk()
            if not data:
                raise _failed("the payload ZIP entry is truncated")
            self._input.unread(data[left:])
            data = data[:left]
            left -= len(data)
            self._account(len(data))
            checksum = zlib.crc32(data, checksum)
            yield data
        return checksum

    def _read_descriptor(self, zip64: bool) -> tuple[int, int]:
        first = self._input.read_exact(4, "data descriptor")
        if first == _DESCRIPTOR_MAGIC:
            first = self._input.read_exact(4, "data descriptor")
        crc = struct.unpack("<I", first)[0]
        if zip64:
            _csize, usize = struct.unpack("<QQ", self._input.read_exact(16, "data descriptor"))
        else:
            _csize, usize = struct.unpack("<II", self._input.read_exact(8, "data descriptor"))
        return crc, usize

    def _check_trailer(self) -> None:
        magic = self._input.read_exact(4, "central directory")
        if magic == _LOCAL_MAGIC:
            raise _failed("the payload ZIP holds more than one file")
        if magic not in _CENTRAL_MAGICS:
            raise _failed("the payload ZIP has no central directory after its entry")
        # The directory only repeats what was checked; reading on lets decryption judge its padding.
        self._input.drain()


def _zip64_sizes(extra: bytes, usize: int, csize: int) -> tuple[int, int] | None:
    offset = 0
    while offset + 4 <= len(extra):
        tag, size = struct.unpack_from("<HH", extra, offset)
        body = extra[offset + 4 : offset + 4 + size]
        offset += 4 + size
        if tag != _ZIP64_EXTRA:
            continue
        values = [struct.unpack_from("<Q", body, i)[0] for i in range(0, len(body) - 7, 8)]
        if usize == 0xFFFFFFFF and values:
            usize = values.pop(0)
        if csize == 0xFFFFFFFF and values:
            csize = values.pop(0)
        return usize, csize
    return None
