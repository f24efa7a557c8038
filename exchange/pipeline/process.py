"""`process_packet`: one received packet from bytes to a settled outcome and the answer to its sender.

open → validate (schema and business rules, streaming) → store (one transaction) → status message →
outbound packet signed and encrypted for the sender. `exchange process FILE` and the Kafka consumers call
this same function. The same bytes processed again give the same outcome and the same answer.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.orm import Session

from crypto import (
    OpenedPacket,
    PacketError,
    PacketMetadata,
    ReceivingContext,
    UnknownPartnerError,
    UnreadablePacketError,
    open_packet,
)
from exchange.anomalies import FlagEvent, evaluate_file, mark_published, pending_events
from exchange.collector import collector_paused
from exchange.errors import ServiceUnavailableError
from exchange.logs import get_logger
from exchange.pipeline.answer import StatusAnswer, answer_filename, answerable_country
from exchange.pipeline.document import DocumentPass, VerifiedChunks
from exchange.reconcile import reconcile_file
from exchange.reconcile.reports import reconcile_reports
from exchange.settings import Settings
from exchange.store import FileOutcome, FileState, PacketInfo, advance_state, reject_file, store_file
from exchange.store.files import file_outcome, mark_answered, register_file
from exchange.store.models import ReceivedFile
from exchange.store.writer import ProgressHook
from exchange.validation.findings import file_error
from exchange.validation.rules.store_history import StoreHistory

if TYPE_CHECKING:
    from exchange.outbound.notices import Notice

log = get_logger(__name__)

PacketSource = bytes | Path
# Flag events handed out at a time: a file can raise tens of thousands, which are read from the outbox
# page by page rather than held at once (consumers.runner publishes every page).
EVENT_PAGE = 1000


@dataclass(frozen=True)
class PipelineResult:
    """What became of a packet: an outcome with its answer, or a dead letter with the reason."""

    sha256: str
    size: int
    outcome: FileOutcome | None = None
    answer: bytes | None = None
    answer_to: str | None = None
    answer_filename: str | None = None
    dead_letter: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    # Flag events not yet published (this file's, and any a crash left behind): the outbox's content.
    flag_events: tuple[FlagEvent, ...] = ()
    seconds: float = 0.0
    # A partner's status message about a file we sent: its Status, stored by exchange.outbound.answers.
    partner_answer: str | None = None
    # With it, a notice for each institution whose records the partner found in error (not yet sent).
    notices: tuple[Notice, ...] = ()

    @property
    def disposition(self) -> str:
        if self.dead_letter is not None:
            return "dead-letter"
        if self.outcome is None and self.partner_answer is not None:
            return "partner-answer"
        assert self.outcome is not None
        return self.outcome.outcome.value

    def to_dict(self) -> dict[str, Any]:
        outcome = self.outcome
        return {
            "sha256": self.sha256,
            "size": self.size,
            "disposition": self.disposition,
            "dead_letter": self.dead_letter,
            "packet": self.metadata,
            "file_id": outcome.file_id if outcome else None,
            "state": outcome.state.value if outcome else None,
            "replayed": outcome.replayed if outcome else False,
            "records_stored": outcome.records_stored if outcome else 0,
            "records_refused": outcome.records_refused if outcome else 0,
            "rejection_code": outcome.rejection_code if outcome else None,
            "findings": [finding.to_dict() for finding in outcome.findings] if outcome else [],
            "status_message_ref_id": (
                outcome.status_message.message_ref_id if outcome and outcome.status_message else None
            ),
            "answer_to": self.answer_to,
            "flag_events": len(self.flag_events),
            "answer_filename": self.answer_filename,
            "notices": [notice.message_ref_id for notice in self.notices],
            "seconds": round(self.seconds, 3),
        }


class PacketTooLargeError(Exception):
    """A packet above `max_packet_bytes`, refused from its size alone, before a byte of it is read."""


def packet_size(source: PacketSource) -> int:
    return len(source) if isinstance(source, bytes) else source.stat().st_size


def packet_digest(source: PacketSource, max_bytes: int | None = None) -> tuple[str, int]:
    """SHA-256 and size of the packet bytes: the key that makes redelivery harmless. With `max_bytes`,
    a larger packet raises PacketTooLargeError at once: hashing gigabytes only to refuse them would
    hold the partition for minutes."""
    size = packet_size(source)
    if max_bytes is not None and size > max_bytes:
        raise PacketTooLargeError(f"the packet is {size} bytes, larger than the {max_bytes} bytes accepted")
    if isinstance(source, bytes):
        return hashlib.sha256(source).hexdigest(), size
    digest = hashlib.sha256()
    read = 0
    with source.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
            read += len(chunk)
    if max_bytes is not None and read > max_bytes:  # it grew while being read
        raise PacketTooLargeError(f"the packet grew beyond the {max_bytes} bytes accepted while being read")
    return digest.hexdigest(), read


def _packet_info(sha256: str, size: int, metadata: PacketMetadata, receiver: str) -> PacketInfo:
    return PacketInfo(
        sha256=sha256,
        profile=metadata.profile.value,
        sender=metadata.sender,
        receiver=receiver,
        communication_type=metadata.communication_type,
        size=size,
        sender_file_id=metadata.sender_file_id,
    )


class Pipeline:
    """The chain for one store; keys and partner certificates are read per packet, so a key or a
    certificate dropped into its folder is used from the next packet on, without a restart.
    `on_batch` is the store's progress hook, called inside the file's transaction after each batch."""

    def __init__(
        self,
        settings: Settings,
        engine: Engine,
        on_batch: ProgressHook | None = None,
        event_page: int = EVENT_PAGE,
    ) -> None:
        self.settings = settings
        self.engine = engine
        self.on_batch = on_batch
        self.event_page = event_page

    def process(self, source: PacketSource, sha256: str | None = None) -> PipelineResult:
        """The packet's outcome and answer; `sha256` is the digest of `source` when a caller already
        verified it (a claim check), so that a large file is not read once more to hash it."""
        started = time.perf_counter()
        limit = self.settings.max_packet_bytes
        try:
            if sha256 is None:
                sha256, size = packet_digest(source, limit)
            elif (size := packet_size(source)) > limit:
                raise PacketTooLargeError(
                    f"the packet is {size} bytes, larger than the {limit} bytes accepted"
                )
        except PacketTooLargeError as exc:
            # Nothing is answerable without opening the packet: its record goes to the DLQ with the reason.
            log.warning("packet refused", reason=str(exc))
            return PipelineResult(sha256="", size=packet_size(source), dead_letter=str(exc))
        try:
            with collector_paused():  # the whole file's rows: see exchange/collector.py
                result = self._replay(sha256, size) or self._process_new(source, sha256, size)
        except DBAPIError as exc:
            if isinstance(exc, OperationalError | InterfaceError) or exc.connection_invalidated:
                # Nothing was committed: the caller retries the same packet once the database is back.
                raise ServiceUnavailableError(
                    f"the database is unreachable ({type(exc.orig).__name__})"
                ) from None
            raise
        result = _with_seconds(result, time.perf_counter() - started)
        log.info(
            "packet processed",
            sha256=sha256,
            disposition=result.disposition,
            sender=result.metadata.get("sender"),
            file_id=result.outcome.file_id if result.outcome else None,
            codes=sorted({f.code for f in result.outcome.findings}) if result.outcome else [],
            replayed=result.outcome.replayed if result.outcome else False,
            seconds=round(result.seconds, 3),
        )
        return result

    def mark_answered(self, result: PipelineResult) -> None:
        """The answer left (published, or written out): the file's path is complete."""
        if result.outcome is not None and result.answer is not None:
            mark_answered(self.engine, result.sha256)

    def mark_sent(self, result: PipelineResult) -> None:
        """The answer, the institutions' notices and the flag events were acknowledged by the broker."""
        from exchange.outbound.notices import mark_notices_sent

        self.mark_answered(result)
        mark_notices_sent(self.engine, result.notices)
        self.mark_events_sent(result.flag_events)

    def pending_flag_events(self) -> tuple[FlagEvent, ...]:
        """The next page of the outbox's unpublished flag events, oldest first (empty when drained)."""
        return tuple(pending_events(self.engine, self.event_page))

    def mark_events_sent(self, events: Sequence[FlagEvent]) -> None:
        if events:
            mark_published(self.engine, [event.event_id for event in events])

    def _replay(self, sha256: str, size: int) -> PipelineResult | None:
        """A packet already settled is answered from the store, without opening it again; the steps
        after storing that a crash interrupted are completed first."""
        outcome = file_outcome(self.engine, sha256)
        if outcome is None or outcome.status_message is None:
            return None
        outcome = self._complete(outcome)
        return self._answered(sha256, size, replace(outcome, replayed=True), self._stored_metadata(outcome))

    def _process_new(self, source: PacketSource, sha256: str, size: int) -> PipelineResult:
        receiving = ReceivingContext.from_settings(self.settings)
        try:
            opened = open_packet(source, receiving)
        except (UnreadablePacketError, UnknownPartnerError) as exc:
            return PipelineResult(sha256=sha256, size=size, dead_letter=str(exc))
        except PacketError as exc:
            if exc.metadata is None:
                return PipelineResult(sha256=sha256, size=size, dead_letter=str(exc))
            return self._reject_unopened(sha256, size, exc, exc.metadata, receiving)
        with opened:
            return self._validate_and_store(opened, sha256, size, receiving)

    def _reject_unopened(
        self,
        sha256: str,
        size: int,
        error: PacketError,
        metadata: PacketMetadata,
        receiving: ReceivingContext,
    ) -> PipelineResult:
        if answerable_country(metadata) is None:
            return PipelineResult(sha256=sha256, size=size, dead_letter=str(error))
        packet = _packet_info(sha256, size, metadata, metadata.receiver)
        outcome = reject_file(
            self.engine,
            packet,
            [file_error(int(error.code), error.reason)],
            status=StatusAnswer(self.settings, metadata, receiving.keyring, receiving.trust),
        )
        return self._answered(sha256, size, outcome, metadata.as_dict())

    def _validate_and_store(
        self, opened: OpenedPacket, sha256: str, size: int, receiving: ReceivingContext
    ) -> PipelineResult:
        metadata = opened.metadata
        if metadata.communication_type.endswith("Status"):
            return self._partner_answer(opened, sha256, size)
        packet = _packet_info(sha256, size, metadata, opened.receiver)
        file_id = register_file(self.engine, packet)
        advance_state(self.engine, sha256, FileState.OPENED)
        history = StoreHistory(self.engine, file_id)
        document = DocumentPass(VerifiedChunks(opened), self.settings, history, metadata.sender)
        document.start()
        answer = StatusAnswer(self.settings, metadata, receiving.keyring, receiving.trust)
        country = answerable_country(
            metadata, document.header.transmitting_country if document.header else None
        )
        outcome = store_file(
            self.engine,
            packet,
            document.header,
            document.items(),
            status=answer if country else None,
            on_batch=self.on_batch,
        )
        outcome = self._complete(outcome)
        return self._answered(sha256, size, outcome, metadata.as_dict())

    def _partner_answer(self, opened: OpenedPacket, sha256: str, size: int) -> PipelineResult:
        """A partner's status message about a file we sent: exchange.outbound.answers takes it."""
        from exchange.outbound.answers import take_partner_answer

        taken = take_partner_answer(self.engine, self.settings, opened, sha256)
        metadata = {k: v for k, v in opened.metadata.as_dict().items() if k != "xml"}
        return PipelineResult(
            sha256,
            size,
            dead_letter=taken.dead_letter,
            partner_answer=taken.status,
            metadata=metadata,
            notices=taken.notices,
        )

    def _complete(self, outcome: FileOutcome) -> FileOutcome:
        """Reconcile a stored file's parties with the registry, then evaluate the flags it touches. Each
        step is idempotent and moves the file's state forward, so a redelivery after a crash finishes
        exactly what was left; flag events wait in the store's outbox until they are published.
        Returns the outcome in the state the file reached, so what callers report is what the store says."""
        state = outcome.state
        if state is FileState.STORED:
            reconcile_file(self.engine, outcome.file_id, self.settings)
            reconcile_reports(self.engine, outcome.file_id, self.settings)
            state = advance_state(self.engine, outcome.packet_sha256, FileState.RECONCILED)
        if state is FileState.RECONCILED:
            evaluate_file(self.engine, outcome.file_id, self.settings)
            state = advance_state(self.engine, outcome.packet_sha256, FileState.FLAGGED)
        return replace(outcome, state=state)

    def _answered(
        self, sha256: str, size: int, outcome: FileOutcome, metadata: dict[str, Any]
    ) -> PipelineResult:
        status = outcome.status_message
        recipient = metadata.get("sender") if status is not None else None
        return PipelineResult(
            sha256=sha256,
            size=size,
            outcome=outcome,
            answer=status.content if status else None,
            answer_to=recipient,
            answer_filename=answer_filename(status.content) if status else None,
            metadata={k: v for k, v in metadata.items() if k != "xml"},
            flag_events=self.pending_flag_events(),
        )

    def _stored_metadata(self, outcome: FileOutcome) -> dict[str, Any]:
        with Session(self.engine) as session:
            file = session.get_one(ReceivedFile, outcome.file_id)
            return {
                "profile": file.profile,
                "sender": file.sender,
                "receiver": file.receiver,
                "communication_type": file.communication_type,
                "sender_file_id": file.sender_file_id,
            }


def _with_seconds(result: PipelineResult, seconds: float) -> PipelineResult:
    return replace(result, seconds=seconds)


def process_packet(source: PacketSource, settings: Settings, engine: Engine) -> PipelineResult:
    """Process one packet (bytes or a path) against the store behind `engine`."""
    return Pipeline(settings, engine).process(source)
