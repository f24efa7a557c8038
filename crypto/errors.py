"""Failures of opening, verifying and creating packets, each carrying its OECD file error code."""

from __future__ import annotations

from enum import IntEnum
from typing import TYPE_CHECKING

from exchange.errors import ExchangeError, ServiceUnavailableError

if TYPE_CHECKING:
    from crypto.metadata import PacketMetadata


class FileErrorCode(IntEnum):
    """OECD status-message file error codes that the packet layer can raise (FACTS §3)."""

    FAILED_DECRYPTION = 50002
    FAILED_DECOMPRESSION = 50003
    FAILED_SIGNATURE_CHECK = 50004
    FAILED_THREAT_SCAN = 50005
    FAILED_SCHEMA_VALIDATION = 50007  # the signed file is not well-formed XML in UTF-8
    NOT_FOR_THIS_RECEIVER = 50012
    INCORRECT_KEY_SIZE = 50013


class PacketError(ExchangeError):
    """A packet failed a check that the sender must hear about: the code goes into the status message.

    The message is safe to show and to log: it never holds key material, and never says why an
    RSA unwrap failed (that would be a padding oracle).
    """

    def __init__(self, code: FileErrorCode, message: str) -> None:
        super().__init__(f"[{int(code)}] {message}")
        self.code = code
        self.reason = message
        # Who sent the packet, when the failure came after its metadata was read: the answer goes there.
        self.metadata: PacketMetadata | None = None


class UnreadablePacketError(ExchangeError):
    """The bytes are not a packet we can attribute to a sender (no ZIP, no readable metadata).

    Nobody can be answered, so the caller sends it to the dead-letter topic with this reason.
    """


class UnknownPartnerError(ExchangeError):
    """The sender has no certificate in the trust store: we could neither verify nor answer it."""


class KeyStoreError(ExchangeError):
    """A key or certificate file cannot be read (wrong passphrase, not PEM, missing pair)."""


class KeyStoreUnusableError(KeyStoreError, ServiceUnavailableError):
    """Our keys or the partners' certificates, as they are on disk, cannot be loaded (a file unreadable
    or unsafely readable, a wrong passphrase). No packet can be judged until an operator fixes them, so
    this is not the packet's failure: a command stops with this one line, a running consumer waits and
    retries the same packet (as for a database outage) instead of dead-lettering it."""


class VerdictPendingError(ExchangeError):
    """The signature verdict was asked for before the packet's stream was read to its end."""
