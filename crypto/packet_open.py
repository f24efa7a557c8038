"""Open a packet: metadata, key, decryption, inflation and signature, streaming (FACTS §4).

Steps that need only the packet's small entries run when it is opened and raise at once: metadata,
the choice of our key, the key unwrap. The payload then streams: decrypt -> inflate -> verify, and the
signed document comes out of `OpenedPacket.stream` as it is verified. The verdict is final only once
the stream is exhausted; whatever consumes it must not make anything visible before `verdict()`.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import IO, TYPE_CHECKING, BinaryIO

from crypto.aes_stream import decrypt_cbc
from crypto.dsig_verify import SignatureVerdict, SignerPolicy, VerifiedDocument
from crypto.errors import (
    FileErrorCode,
    KeyStoreError,
    PacketError,
    UnknownPartnerError,
    UnreadablePacketError,
    VerdictPendingError,
)
from crypto.keyring import Keyring
from crypto.keywrap import MAX_KEY_ENTRY_BYTES, ContentKey, unwrap_key
from crypto.limits import Limits
from crypto.metadata import MAX_METADATA_BYTES, MetadataPolicy, PacketMetadata, read_metadata
from crypto.profiles import KEY_SUFFIX, METADATA_SUFFIX, PAYLOAD_SUFFIX, party_of
from crypto.streams import ChunkStream
from crypto.truststore import TrustStore
from crypto.validity import ReceiptClock
from crypto.zipstream import ZipEntryInflater
from exchange.errors import ExchangeError
from exchange.logs import get_logger

if TYPE_CHECKING:
    from exchange.settings import Settings

CHUNK = 1 << 16
log = get_logger("crypto.packet")

PacketSource = bytes | Path | BinaryIO


@dataclass(frozen=True)
class ReceivingContext:
    """What opening needs: our keys, our partners' certificates, the limits and the metadata policy."""

    keyring: Keyring
    trust: TrustStore
    limits: Limits = field(default_factory=Limits)
    metadata_policy: MetadataPolicy = field(default_factory=MetadataPolicy)

    @classmethod
    def from_settings(cls, settings: Settings) -> ReceivingContext:
        return cls(
            keyring=Keyring.from_settings(settings),
            trust=TrustStore.from_settings(settings),
            limits=Limits.from_settings(settings),
        )


@dataclass(frozen=True)
class _Entries:
    metadata: zipfile.ZipInfo
    payload: zipfile.ZipInfo
    keys: dict[str, zipfile.ZipInfo]
    ignored: tuple[str, ...]


def _find_entries(archive: zipfile.ZipFile) -> _Entries:
    metadata, payloads, keys, ignored = [], [], {}, []
    for info in archive.infolist():
        name = info.filename
        if name.endswith(METADATA_SUFFIX):
            metadata.append(info)
        elif name.endswith(PAYLOAD_SUFFIX):
            payloads.append(info)
        elif name.endswith(KEY_SUFFIX):
            keys[party_of(name).upper()] = info
        elif not info.is_dir():
            ignored.append(name)
    if len(metadata) != 1 or len(payloads) != 1 or not keys:
        raise UnreadablePacketError(
            "a packet needs exactly one _Metadata.xml, one _Payload and at least one _Key entry"
        )
    return _Entries(metadata[0], payloads[0], keys, tuple(ignored))


def _read_small(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int, what: str) -> bytes:
    if info.file_size > limit:
        raise UnreadablePacketError(f"the packet's {what} entry is larger than {limit} bytes")
    try:
        return archive.read(info)
    # A garbled deflate stream, or a compression method byte flipped to one zipfile does not know, too.
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error, NotImplementedError) as exc:
        raise UnreadablePacketError(f"the packet's {what} entry cannot be read: {exc}") from None


def _open_archive(source: PacketSource, limits: Limits) -> tuple[zipfile.ZipFile, IO[bytes]]:
    handle: IO[bytes]
    if isinstance(source, bytes):
        handle = io.BytesIO(source)
    elif isinstance(source, Path):
        handle = source.open("rb")
    else:
        handle = source
    size = handle.seek(0, io.SEEK_END)
    handle.seek(0)
    if size > limits.max_packet_bytes:
        raise UnreadablePacketError(f"the packet is larger than the {limits.max_packet_bytes} bytes accepted")
    try:
        return zipfile.ZipFile(handle), handle
    except (zipfile.BadZipFile, OSError):
        raise UnreadablePacketError("the packet is not a ZIP archive") from None


def _chosen_receiver(metadata: PacketMetadata, entries: _Entries, keyring: Keyring, identity: str) -> str:
    """The identity the caller asked to open the packet as, if we can."""
    if not keyring.private_keys(identity):
        ours = ", ".join(keyring.identities()) or "none"
        raise KeyStoreError(f"we hold no private key for {identity} (our identities: {ours})")
    if identity not in entries.keys:
        code = (
            FileErrorCode.FAILED_DECRYPTION
            if identity == metadata.receiver.upper()
            else FileErrorCode.NOT_FOR_THIS_RECEIVER
        )
        raise PacketError(
            code, f"the packet holds no key file for {identity} (it is addressed to {metadata.receiver})"
        )
    return identity


def _choose_receiver(
    metadata: PacketMetadata, entries: _Entries, keyring: Keyring, receiver: str | None
) -> str:
    if receiver:
        return _chosen_receiver(metadata, entries, keyring, receiver.upper())
    ours = keyring.identities()
    preferred = sorted(ours, key=lambda identity: identity != metadata.receiver.upper())
    for identity in preferred:
        if identity in entries.keys and keyring.private_keys(identity):
            return identity
    if metadata.receiver.upper() in ours:
        raise PacketError(
            FileErrorCode.FAILED_DECRYPTION,
            f"the packet holds no key file for its receiver {metadata.receiver}",
        )
    raise PacketError(
        FileErrorCode.NOT_FOR_THIS_RECEIVER,
        f"the packet is addressed to {metadata.receiver}, for which we hold no key",
    )


class OpenedPacket:
    """An opened packet. Read `stream` to its end, then ask `verdict()`; close it (or use `with`)."""

    def __init__(
        self,
        archive: zipfile.ZipFile,
        handle: IO[bytes],
        owns_handle: bool,
        metadata: PacketMetadata,
        receiver: str,
        content_key: ContentKey,
        payload: zipfile.ZipInfo,
        policy: SignerPolicy,
        limits: Limits,
        warnings: list[str],
    ) -> None:
        self.metadata = metadata
        self.receiver = receiver
        self.warnings = warnings
        self.error: ExchangeError | None = None
        self._archive = archive
        self._handle = handle
        self._owns_handle = owns_handle
        self._content_key = content_key
        self._payload = payload
        self._policy = policy
        self._limits = limits
        self._inflater: ZipEntryInflater | None = None
        self._verdict: SignatureVerdict | None = None
        self.stream = ChunkStream(self._document(), on_error=self._failed)

    @property
    def profile(self) -> str:
        return self.metadata.profile.value

    @property
    def document_name(self) -> str:
        """The file name inside the payload's ZIP (known once the stream has started)."""
        return self._inflater.name if self._inflater else ""

    def verdict(self) -> SignatureVerdict:
        if self.error is not None:
            raise self.error
        if self._verdict is None:
            raise VerdictPendingError(
                "the signature verdict is known only once the stream has been read to its end"
            )
        return self._verdict

    def drain(self, sink: BinaryIO | None = None) -> SignatureVerdict:
        """Read the stream to its end (into `sink`, if given) and return the verdict."""
        while chunk := self.stream.read(CHUNK):
            if sink is not None:
                sink.write(chunk)
        return self.verdict()

    def close(self) -> None:
        self._archive.close()
        if self._owns_handle:
            self._handle.close()

    def __enter__(self) -> OpenedPacket:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()

    def _failed(self, error: ExchangeError) -> None:
        self.error = error
        code = int(error.code) if isinstance(error, PacketError) else None
        log.warning(
            "packet rejected",
            sender=self.metadata.sender,
            receiver=self.receiver,
            code=code,
            reason=str(error),
        )

    def _ciphertext(self) -> Iterator[bytes]:
        try:
            with self._archive.open(self._payload) as entry:
                while chunk := entry.read(CHUNK):
                    yield chunk
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError):
            # The outer ZIP's own CRC (or its compression method) caught a corrupt entry before AES could.
            raise PacketError(
                FileErrorCode.FAILED_DECRYPTION, "the packet's payload entry is corrupt"
            ) from None

    def _document(self) -> Iterator[bytes]:
        plaintext = decrypt_cbc(self._ciphertext(), self._content_key)
        self._inflater = ZipEntryInflater(plaintext, self._limits)
        inflated = _blame_decryption_first(self._inflater, plaintext)
        verified = VerifiedDocument(inflated, self._policy, self._limits.max_xml_depth)
        yield from _blame_decompression_first(verified, inflated)
        self._verdict = verified.verdict
        log.info(
            "packet verified",
            sender=self.metadata.sender,
            receiver=self.receiver,
            profile=self.profile,
            c14n=self._verdict.c14n if self._verdict else None,
            inflated_bytes=self._inflater.size,
        )


def _blame_decryption_first(inflater: ZipEntryInflater, plaintext: Iterator[bytes]) -> Iterator[bytes]:
    """A garbled ZIP may be garbled ciphertext: let decryption judge the rest before blaming compression."""
    try:
        yield from inflater
    except PacketError as exc:
        if exc.code is FileErrorCode.FAILED_DECOMPRESSION:
            for _ in plaintext:  # raises 50002 if the padding (or a rejected key) says so
                pass
        raise


# Refusals of the document that a payload failing to inflate explains better (FACTS §4: 50003 first).
_JUDGED_AFTER_DECOMPRESSION = frozenset(
    {
        FileErrorCode.FAILED_SIGNATURE_CHECK,
        FileErrorCode.FAILED_THREAT_SCAN,
        FileErrorCode.FAILED_SCHEMA_VALIDATION,
    }
)


def _blame_decompression_first(verified: Iterable[bytes], inflated: Iterator[bytes]) -> Iterator[bytes]:
    """The OECD order checks decompression (50003) before the signature (50004) and the threat scan
    (50005). The verifier may refuse the first inflated bytes (a bomb of zeros is not XML) long before
    the inflater reaches a limit: let the inflater judge the rest of the payload, within its limits,
    before the signature, the XML's well-formedness or a threat is blamed."""
    try:
        yield from verified
    except PacketError as exc:
        if exc.code in _JUDGED_AFTER_DECOMPRESSION:
            for _ in inflated:  # raises 50003 (limits, CRC) or 50002 if the payload is at fault
                pass
        raise


def read_packet_metadata(source: PacketSource, policy: MetadataPolicy | None = None) -> PacketMetadata:
    """The metadata of a packet, without our keys: who sent it to whom, and its SenderFileId."""
    archive, handle = _open_archive(source, Limits())
    try:
        entries = _find_entries(archive)
        xml = _read_small(archive, entries.metadata, MAX_METADATA_BYTES, "metadata")
        return read_metadata(xml, policy or MetadataPolicy())
    finally:
        archive.close()
        if isinstance(source, bytes | Path):
            handle.close()


def open_packet(
    source: PacketSource,
    context: ReceivingContext,
    *,
    receiver: str | None = None,
    received_at: datetime | None = None,
) -> OpenedPacket:
    """Open a packet from bytes, a path or a seekable binary file.

    Raises UnreadablePacketError (nobody to answer), UnknownPartnerError (no certificate for the sender) or
    PacketError with its OECD code. The signer's certificate is judged at `received_at` (default: now),
    with the grace of `crypto.validity` for files created before it expired.
    """
    archive, handle = _open_archive(source, context.limits)
    owns_handle = isinstance(source, bytes | Path)
    metadata: PacketMetadata | None = None
    try:
        entries = _find_entries(archive)
        metadata = read_metadata(
            _read_small(archive, entries.metadata, MAX_METADATA_BYTES, "metadata"), context.metadata_policy
        )
        registered = context.trust.certificates(metadata.sender)
        if not registered:
            raise UnknownPartnerError(f"no certificate registered for the sender {metadata.sender}")
        identity = _choose_receiver(metadata, entries, context.keyring, receiver)
        blob = _read_small(archive, entries.keys[identity], MAX_KEY_ENTRY_BYTES, "key")
        content_key = unwrap_key(blob, context.keyring.private_keys(identity))
    except BaseException as exc:
        if isinstance(exc, PacketError):
            exc.metadata = exc.metadata or metadata
            log.warning("packet rejected", code=int(exc.code), reason=exc.reason)
        archive.close()
        if owns_handle:
            handle.close()
        raise
    clock = ReceiptClock(
        received_at=received_at or datetime.now(UTC),
        claimed_creation=metadata.created,
        grace=context.limits.certificate_grace,
    )
    warnings = list(metadata.warnings) + [f"ignored packet entry {name}" for name in entries.ignored]
    if clock.future_claim():
        warnings.append("metadata FileCreateTs lies in the future: the certificate is judged at receipt")
    policy = SignerPolicy(
        party=metadata.sender,
        registered=registered,
        clock=clock,
        allow_sha1=context.limits.allow_sha1,
    )
    log.info(
        "packet opened",
        sender=metadata.sender,
        receiver=identity,
        profile=metadata.profile.value,
        communication_type=metadata.communication_type,
        warnings=len(warnings),
    )
    return OpenedPacket(
        archive,
        handle,
        owns_handle,
        metadata,
        identity,
        content_key,
        entries.payload,
        policy,
        context.limits,
        warnings,
    )
