"""What travels between the Kafka transport and the handler that processes a packet.

The transport knows records, offsets and topics; the handler (the pipeline) knows packets and status
messages. These types are the whole contract between the two.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

CONTENT_TYPE_HEADER = "content-type"
CLAIM_CHECK_CONTENT_TYPE = "application/vnd.exchange.claim-check+json"
PACKET_CONTENT_TYPE = "application/zip"
REASON_HEADER = "exchange-dlq-reason"
SOURCE_HEADER = "exchange-dlq-source"  # topic/partition/offset of the original record
FILENAME_HEADER = "exchange-filename"


@dataclass(frozen=True)
class InboundPacket:
    """A packet as received: inline bytes, or a local file already fetched through a claim check."""

    key: str | None
    content: bytes | Path
    headers: dict[str, bytes]
    topic: str
    partition: int
    offset: int
    # SHA-256 of `content` when it was verified already (a claim check's), so it is not hashed twice.
    sha256: str | None = None

    @property
    def size(self) -> int:
        return len(self.content) if isinstance(self.content, bytes) else self.content.stat().st_size

    @property
    def source(self) -> str:
        return f"{self.topic}/{self.partition}/{self.offset}"


@dataclass(frozen=True)
class Reply:
    """A packet to send back to a jurisdiction on the status topic (keyed by that jurisdiction), or to
    a domestic institution on the topic it reads (`topic`, keyed by the institution)."""

    jurisdiction: str
    packet: bytes
    filename: str
    topic: str | None = None  # None: the status topic


@dataclass(frozen=True)
class Event:
    """A record for the flags topic (case management), keyed so that one subject's events stay in order."""

    key: str
    value: bytes


@dataclass(frozen=True)
class HandlingResult:
    """What became of one inbound packet.

    `dead_letter` is set when the packet cannot be answered (not a packet, unknown sender): the original
    bytes go to the dead-letter topic with that reason. `outcome` and `codes` feed the metrics.
    """

    outcome: str
    replies: tuple[Reply, ...] = ()
    dead_letter: str | None = None
    codes: tuple[int, ...] = field(default=())
    events: tuple[Event, ...] = ()  # published to the flags topic with the replies
    # Bookkeeping once the replies are out (the file becomes "answered"); run before the commit.
    after_publish: Callable[[], None] | None = None
    # Further pages of events, asked for once `events` are out, until a page comes back empty.
    more_events: Callable[[], EventPage] | None = None


@dataclass(frozen=True)
class EventPage:
    """A page of events for the flags topic, and how to record that the broker has them."""

    events: tuple[Event, ...]
    sent: Callable[[], None]


class PacketHandler(Protocol):
    """Processes one packet to completion (database commit included) and says what to publish.

    It runs in a worker thread. It raises `exchange.errors.ServiceUnavailableError` for a failure that
    a retry can cure (the database is down): the record is then retried, never skipped.
    """

    def __call__(self, packet: InboundPacket) -> HandlingResult: ...
