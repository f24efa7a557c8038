"""The answer to a sender: the status message of the file's format (CRS, DPI, CbC), signed by us and
encrypted for the sender (CTS profile).

Built inside the store's transaction from the file's final verdict, so the message and the outcome it
reports are stored together, and a redelivered packet is answered with the very same bytes.
"""

from __future__ import annotations

import re
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from crypto import PacketMetadata, PacketRequest, Profile, create_packet, read_packet_metadata
from crypto.keyring import Keyring
from crypto.truststore import TrustStore
from exchange.settings import Settings
from exchange.status import OriginalMessage, build_status_message, new_message_ref_id, profile_for, to_bytes
from exchange.store import StatusDraft, Verdict

_COUNTRY = re.compile(r"[A-Z]{2}")


def status_communication_type(communication_type: str) -> str:
    """CTS names each status message type after the type it answers: CRS -> CRSStatus."""
    return f"{communication_type}Status"


def answer_filename(status_packet: bytes) -> str:
    """The answer's file name: the SenderFileId its own metadata carries (CTS names a packet by it).

    Read from the stored status packet, which a redelivery reuses, so the name is the same every time.
    """
    return Path(read_packet_metadata(status_packet).sender_file_id).name


def answerable_country(metadata: PacketMetadata, verdict_country: str | None = None) -> str | None:
    """The jurisdiction a status message goes to: a CTS sender is a country code; an IDES sender is a
    GIIN, answered (when at all) through the country its file names."""
    for candidate in (metadata.sender, verdict_country):
        if candidate and _COUNTRY.fullmatch(candidate):
            return candidate
    return None


def payload_kb(verdict: Verdict) -> int | None:
    """The answered file's uncompressed size in KB, as the status message reports it."""
    return None if verdict.packet.payload_size is None else verdict.packet.payload_size // 1024


def verdict_status_document(
    verdict: Verdict, home: str, original: OriginalMessage, communication_type: str | None = None
) -> tuple[str, bytes]:
    """The status message (its MessageRefId and bytes) telling `original`'s sender the file's verdict.

    A rejected file is answered with its file errors only: record errors of a document that was not
    accepted (or not even verified) would only mislead the sender.
    """
    now = datetime.now(UTC)
    message_ref_id = new_message_ref_id(home, original.sender, now)
    findings = verdict.findings if verdict.accepted else [f for f in verdict.findings if f.rejects_file]
    header = verdict.header
    profile = profile_for(header.format_name if header else None, communication_type)
    message = build_status_message(
        original, findings, home=home, message_ref_id=message_ref_id, timestamp=now, profile=profile
    )
    return message_ref_id, to_bytes(message)


class StatusAnswer:
    """A `StatusBuilder` for the store: the verdict in, the encrypted status packet out."""

    def __init__(self, settings: Settings, metadata: PacketMetadata, keyring: Keyring, trust: TrustStore):
        self.settings = settings
        self.metadata = metadata
        self.keyring = keyring
        self.trust = trust

    def __call__(self, verdict: Verdict) -> StatusDraft:
        header = verdict.header
        recipient = answerable_country(self.metadata, header.transmitting_country if header else None)
        if recipient is None:
            raise ValueError("no jurisdiction to answer")  # callers check `answerable_country` first
        message_ref_id, document = verdict_status_document(
            verdict,
            self.settings.home_jurisdiction,
            OriginalMessage(
                message_ref_id=header.message_ref_id if header else self.metadata.sender_file_id,
                sender=recipient,
                cts_transmission_id=self.metadata.sender_file_id,
                cts_sending_timestamp=self.metadata.created,
                uncompressed_size_kb=payload_kb(verdict),
            ),
            self.metadata.communication_type,
        )
        return StatusDraft(message_ref_id=message_ref_id, content=self._seal(document, recipient))

    def _seal(self, document: bytes, recipient: str) -> bytes:
        request = PacketRequest(
            Profile.CTS,
            sender=self.settings.home_jurisdiction,
            receiver=recipient,
            communication_type=status_communication_type(self.metadata.communication_type),
            tax_year=self.metadata.tax_year,
        )
        with tempfile.TemporaryDirectory(prefix="exchange-answer-") as outbox:
            created = create_packet(
                document,
                request,
                signer=self.keyring.signing_pair(self.settings.home_jurisdiction),
                receiver_certificate=self.trust.encryption_certificate(recipient),
                directory=Path(outbox),
            )
            return created.path.read_bytes()
