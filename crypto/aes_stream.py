"""AES-256-CBC decryption and encryption of a payload, chunk by chunk (FACTS §4)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Protocol

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from crypto.errors import FileErrorCode, PacketError
from crypto.keywrap import ContentKey

BLOCK = 16
ZIP_MAGIC = b"PK\x03\x04"
# Formats a sender might wrongly put there instead of a ZIP: a decryption that yields one of these
# worked, and the fault is the compression (50003), not the key (50002).
_OTHER_FORMATS = (b"\x1f\x8b\x08", b"BZh", b"\xfd7zXZ", b"\x28\xb5\x2f\xfd")
_TEXT_BYTES = frozenset(range(0x20, 0x7F)) | {0x09, 0x0A, 0x0D}


def _failed_decryption() -> PacketError:
    # One message for every cause: wrong key, bad padding, corrupt ciphertext (no padding oracle).
    return PacketError(FileErrorCode.FAILED_DECRYPTION, "the payload cannot be decrypted with our key")


def _looks_decrypted(block: bytes) -> bool:
    if block.startswith(ZIP_MAGIC) or block.startswith(_OTHER_FORMATS):
        return True
    text = block[3:] if block.startswith(b"\xef\xbb\xbf") else block
    return all(byte in _TEXT_BYTES for byte in text)


def _is_ecb(first_cipher_block: bytes, key: ContentKey) -> bool:
    # Decrypting block 1 without the IV chaining gives the ZIP header back only if ECB was used.
    ecb = Cipher(algorithms.AES(key.key), modes.ECB()).decryptor()  # noqa: S305 - detection, never encryption
    return (ecb.update(first_cipher_block) + ecb.finalize()).startswith(ZIP_MAGIC)


def decrypt_cbc(chunks: Iterable[bytes], key: ContentKey) -> Iterator[bytes]:
    """Plaintext chunks of an AES-256-CBC/PKCS#7 payload; the padding is judged at the very end."""
    decryptor = Cipher(algorithms.AES(key.key), modes.CBC(key.iv)).decryptor()
    unpadder = padding.PKCS7(BLOCK * 8).unpadder()
    head_cipher = b""
    head_plain = b""
    held: list[bytes] = []
    checked = False
    for chunk in chunks:
        plain = decryptor.update(chunk)
        if not checked:
            head_cipher += chunk[: BLOCK - len(head_cipher)]
            head_plain += plain[: BLOCK - len(head_plain)]
            held.append(plain)
            if len(head_plain) < BLOCK:
                continue
            _check_first_block(head_plain, head_cipher, key)
            checked = True
            plain = b"".join(held)
            held.clear()
        out = unpadder.update(plain)
        if out:
            yield out
    try:
        tail = decryptor.finalize()
        rest = unpadder.update(b"".join(held) + tail) + unpadder.finalize()
    except ValueError:
        raise _failed_decryption() from None
    if not checked or key.rejected:
        raise _failed_decryption()
    if rest:
        yield rest


def _check_first_block(plain: bytes, cipher: bytes, key: ContentKey) -> None:
    if _looks_decrypted(plain):
        return
    if _is_ecb(cipher, key):
        raise PacketError(
            FileErrorCode.INCORRECT_KEY_SIZE,
            "the payload is AES-ECB encrypted; AES-CBC with an IV is required",
        )
    raise _failed_decryption()


class Writable(Protocol):
    def write(self, data: bytes, /) -> int: ...


class CbcEncryptor:
    """A write-only stream that encrypts what it is given and writes the ciphertext to `sink`.

    It cannot seek, so `zipfile` writing into it uses data descriptors, as a stream requires.
    """

    def __init__(self, sink: Writable, key: ContentKey) -> None:
        self._sink = sink
        self._encryptor = Cipher(algorithms.AES(key.key), modes.CBC(key.iv)).encryptor()
        self._padder = padding.PKCS7(BLOCK * 8).padder()
        self.closed = False

    def write(self, data: bytes) -> int:
        out = self._encryptor.update(self._padder.update(bytes(data)))
        if out:
            self._sink.write(out)
        return len(data)

    def flush(self) -> None:
        """Nothing buffered here beyond one block, which only finishing may write."""

    def close(self) -> None:
        """Closing is `finish`'s job: the padding must be written exactly once, after the last byte."""

    def finish(self) -> None:
        self._sink.write(self._encryptor.update(self._padder.finalize()) + self._encryptor.finalize())
        self.closed = True
