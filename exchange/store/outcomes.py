"""What the pipeline hands the store about a packet, and what the store answers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from exchange.records import MessageHeader
from exchange.states import FileState, Outcome, outcome_of
from exchange.validation.findings import Finding


@dataclass(frozen=True, slots=True)
class PacketInfo:
    """The packet's identity and transport metadata; `sha256` (hex of the packet bytes) is the key."""

    sha256: str
    profile: str  # CTS, IDES
    sender: str  # sending jurisdiction (or GIIN): the scope of MessageRefIds and DocRefIds
    receiver: str
    communication_type: str  # CRS, FATCA, CBC, ...
    size: int
    payload_size: int | None = None
    sender_file_id: str | None = None


@dataclass(frozen=True, slots=True)
class Verdict:
    """What a status message is built from: the file's final findings, the store's included."""

    packet: PacketInfo
    header: MessageHeader | None
    accepted: bool
    findings: tuple[Finding, ...]


@dataclass(frozen=True, slots=True)
class StatusDraft:
    """A status message ready to send; the store keeps it so a redelivery answers with the same one."""

    message_ref_id: str
    content: bytes


StatusBuilder = Callable[[Verdict], StatusDraft]


@dataclass(frozen=True, slots=True)
class StoredStatusMessage:
    message_ref_id: str
    accepted: bool
    content: bytes
    created_at: datetime
    sent_at: datetime | None


@dataclass(frozen=True, slots=True)
class FileOutcome:
    """A file's stored outcome; `replayed` says it was already settled before this call."""

    file_id: int
    packet_sha256: str
    state: FileState
    rejection_code: int | None
    findings: tuple[Finding, ...]
    status_message: StoredStatusMessage | None
    records_stored: int
    records_refused: int
    replayed: bool = False

    @property
    def accepted(self) -> bool:
        return self.state is not FileState.REJECTED

    @property
    def outcome(self) -> Outcome:
        # A settled outcome always has a verdict; only an unsettled file row has none.
        return outcome_of(self.state, bool(self.findings)) or Outcome.ACCEPTED
