"""`store_file`: one file, one transaction, records streamed into the tables in batches.

The records of a file become visible together when it is accepted, or never: a file error found at
any point of the stream (even after the last record) rolls the data back, and only the rejection (its
header, findings and status message) is recorded. A process killed halfway leaves an uncommitted
transaction that the database discards, so storing the file again gives the same result as one clean
run. The packet's SHA-256 makes a second call for the same bytes a replay of the stored outcome.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, update

from exchange.logs import get_logger
from exchange.records import (
    AccountReport,
    CbcAdditionalInfo,
    CbcReport,
    FIRole,
    MessageHeader,
    NilReport,
    OtherPlatformOperator,
    PoolReport,
    Record,
    ReportableSeller,
    ReportingFI,
    StreamItem,
)
from exchange.states import DocState, RecordKind
from exchange.store.bulk import bulk_writer
from exchange.store.chains import ChainResolver
from exchange.store.files import ensure_received_file, settled_outcome
from exchange.store.ids import id_allocator
from exchange.store.limits import refusal
from exchange.store.lookups import chain_entries, chunks
from exchange.store.models import DocRecord
from exchange.store.outcomes import FileOutcome, PacketInfo, StatusBuilder
from exchange.store.rows import GroupLinks, RowBuffer
from exchange.store.settlement import (
    MESSAGE_REF_ID_USED,
    message_ref_id_used_elsewhere,
    record_header,
    settle,
)
from exchange.store.transaction import sender_transaction
from exchange.validation.codes import REFUSING_CODES
from exchange.validation.findings import Finding

DEFAULT_BATCH_SIZE = 2000

log = get_logger(__name__)

ProgressHook = Callable[[int], None]


def store_file(
    engine: Engine,
    packet: PacketInfo,
    header: MessageHeader | None,
    items: Iterable[StreamItem],
    *,
    status: StatusBuilder | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    on_batch: ProgressHook | None = None,
) -> FileOutcome:
    """Store one file and settle its outcome; for bytes already settled, return the stored outcome.

    `items` is the file's record stream in document order, with the validation's findings
    interleaved; a finding that refuses a record must come before the record. A file-level finding
    anywhere rejects the file. `header` is None only for a file that could not be read, whose items
    then hold its file-level finding. `status` builds the status message from the final verdict, inside
    the transaction, so the message and the outcome it reports are stored together. `on_batch` is
    called with the count of records seen after each batch is written (progress, heartbeats).
    """
    started = time.monotonic()
    with engine.connect() as connection:
        settled = settled_outcome(connection, packet.sha256)
    if settled is not None:
        outcome = settled
    else:
        try:
            with sender_transaction(engine, packet.sender) as connection:
                # A concurrent worker may have settled the same bytes while this one waited for the lock.
                outcome = settled_outcome(connection, packet.sha256) or _FileLoad(
                    connection, packet, header, batch_size, on_batch
                ).load(items, status)
        except _RejectionError as rejection:
            outcome = _record_rejection(engine, packet, header, rejection.findings, status)
    log.info(
        "file replayed" if outcome.replayed else "file settled",
        file_id=outcome.file_id,
        sha256=packet.sha256,
        sender=packet.sender,
        state=outcome.state.value,
        rejection_code=outcome.rejection_code,
        records_stored=outcome.records_stored,
        records_refused=outcome.records_refused,
        findings=len(outcome.findings),
        seconds=round(time.monotonic() - started, 3),
    )
    return outcome


def reject_file(
    engine: Engine,
    packet: PacketInfo,
    findings: Sequence[Finding],
    *,
    header: MessageHeader | None = None,
    status: StatusBuilder | None = None,
) -> FileOutcome:
    """Settle a file that failed before its records could be read (download, decryption, signature...)."""
    if not any(finding.rejects_file for finding in findings):
        raise ValueError("a rejection needs at least one file-level finding")
    return store_file(engine, packet, header, findings, status=status)


class _RejectionError(Exception):
    def __init__(self, findings: list[Finding]) -> None:
        super().__init__("file rejected")
        self.findings = findings


def _record_rejection(
    engine: Engine,
    packet: PacketInfo,
    header: MessageHeader | None,
    findings: list[Finding],
    status: StatusBuilder | None,
) -> FileOutcome:
    with sender_transaction(engine, packet.sender) as connection:
        settled = settled_outcome(connection, packet.sha256)
        if settled is not None:
            return settled
        file_id = ensure_received_file(connection, packet)
        if header is not None:
            taken = message_ref_id_used_elsewhere(connection, packet.sender, header.message_ref_id, file_id)
            record_header(connection, file_id, packet.sender, header, claim=not taken)
        return settle(connection, file_id, packet, header, findings, (0, 0), status)


@dataclass(slots=True)
class _GroupTracker:
    """The FI rows of the body and reporting group the stream is in; records come in document order,
    so only the current body and group are ever needed."""

    body: int = -1
    group: int = -1
    reporting_fi_id: int | None = None
    sponsor_id: int | None = None
    intermediary_id: int | None = None

    def enter(self, body: int, group: int) -> None:
        if body != self.body:
            self.body, self.group = body, group
            self.reporting_fi_id = self.sponsor_id = self.intermediary_id = None
        elif group != self.group:
            self.group = group
            self.sponsor_id = self.intermediary_id = None

    def links(self) -> GroupLinks:
        return GroupLinks(self.reporting_fi_id, self.sponsor_id, self.intermediary_id)


class _FileLoad:
    """The data transaction of one file: header and claim, then the stream, batch by batch."""

    def __init__(
        self,
        connection: Connection,
        packet: PacketInfo,
        header: MessageHeader | None,
        batch_size: int,
        on_batch: ProgressHook | None,
    ) -> None:
        self._connection = connection
        self._packet = packet
        self._header = header
        self._batch_size = batch_size
        self._on_batch = on_batch
        self._file_id = ensure_received_file(connection, packet)
        self._ids = id_allocator(connection)
        self._rows = RowBuffer(bulk_writer(connection), self._ids, self._file_id, packet.sender)
        self._resolver = ChainResolver()
        self._groups = _GroupTracker()
        self._given: list[Finding] = []  # the validation's, in stream order
        self._own: list[Finding] = []  # the store's: chain refusals, 50009
        self._refused_by_validation: set[str] = set()
        self._rejected = False
        self._seen = self._stored = self._refused = 0

    def load(self, items: Iterable[StreamItem], status: StatusBuilder | None) -> FileOutcome:
        self._read(items)
        return self._settle(status)

    def _read(self, items: Iterable[StreamItem]) -> None:
        self._open_message()
        batch: list[Record] = []
        for item in items:
            if isinstance(item, Finding):
                self._take(item)
                continue
            self._seen += 1
            if self._rejected:
                continue  # keep reading: later findings belong in the status message
            batch.append(item)
            if len(batch) >= self._batch_size:
                self._flush(batch)
                batch = []
        if batch and not self._rejected:
            self._flush(batch)

    def _settle(self, status: StatusBuilder | None) -> FileOutcome:
        findings = self._findings()
        if self._header is None and not self._rejected:
            raise ValueError("a file without a MessageHeader must carry a file-level finding")
        if self._rejected:
            raise _RejectionError(findings)
        counts = (self._stored, self._refused)
        return settle(self._connection, self._file_id, self._packet, self._header, findings, counts, status)

    def _open_message(self) -> None:
        header = self._header
        if header is None:
            return
        sender = self._packet.sender
        taken = message_ref_id_used_elsewhere(self._connection, sender, header.message_ref_id, self._file_id)
        if taken:
            self._own.append(
                Finding(
                    code=MESSAGE_REF_ID_USED,
                    level="file",
                    message="MessageRefId already used by an earlier file",
                    field_paths=("MessageSpec/MessageRefId",),
                )
            )
            self._rejected = True
        record_header(self._connection, self._file_id, sender, header, claim=not taken)

    def _take(self, finding: Finding) -> None:
        self._given.append(finding)
        if finding.rejects_file:
            self._rejected = True
        elif finding.code in REFUSING_CODES:
            self._refused_by_validation.update(finding.doc_ref_ids)

    def _findings(self) -> list[Finding]:
        """The validation's findings, then the store's that say something new: a rule that already
        refused a DocRefId, or reported the same code, is not repeated."""
        given_keys = {(finding.code, finding.doc_ref_ids) for finding in self._given}
        own = [
            finding
            for finding in self._own
            if (finding.code, finding.doc_ref_ids) not in given_keys
            and not self._refused_by_validation.intersection(finding.doc_ref_ids)
        ]
        return [*self._given, *own]

    def _flush(self, batch: list[Record]) -> None:
        missing = self._resolver.missing(record.doc_spec for record in batch)
        for doc_ref_id, entry in chain_entries(self._connection, self._packet.sender, missing):
            self._resolver.learn(doc_ref_id, entry)
        for record in batch:
            self._place(record)
        versions, state_changes = self._resolver.drain()
        self._rows.add_versions(versions)
        self._rows.write()
        self._set_states(state_changes)
        if self._on_batch is not None:
            self._on_batch(self._seen)

    def _place(self, record: Record) -> None:
        kind = _kind(record)
        self._groups.enter(record.body_index, record.group_index)
        spec = record.doc_spec
        if spec.doc_ref_id in self._refused_by_validation:
            self._refused += 1
            return
        beyond = refusal(record)
        if beyond is not None:
            self._refuse(beyond)
            return
        placed = self._resolver.place(kind, spec, lambda: self._ids.next("doc_record"))
        if placed is None or isinstance(placed, Finding):
            self._refuse(placed)
            return
        self._stored += 1
        self._write_record(record, placed)

    def _refuse(self, finding: Finding | None) -> None:
        self._refused += 1
        if finding is not None:
            self._own.append(finding)

    def _write_record(self, record: Record, doc_record_id: int) -> None:
        if isinstance(record, AccountReport):
            self._rows.add_account_report(record, doc_record_id, self._groups.links())
        elif isinstance(record, ReportingFI):
            fi_id = self._rows.add_reporting_fi(record, doc_record_id)
            if record.role is FIRole.SPONSOR:
                self._groups.sponsor_id = fi_id
            elif record.role is FIRole.INTERMEDIARY:
                self._groups.intermediary_id = fi_id
            else:
                self._groups.reporting_fi_id = fi_id
        elif isinstance(record, PoolReport):
            self._rows.add_pool_report(record, doc_record_id, self._groups.links())
        elif isinstance(record, ReportableSeller):
            self._rows.add_seller(record, doc_record_id, self._groups.reporting_fi_id)
        elif isinstance(record, OtherPlatformOperator):
            self._rows.add_other_operator(record, doc_record_id, self._groups.reporting_fi_id)
        elif isinstance(record, CbcReport):
            self._rows.add_cbc_report(record, doc_record_id, self._groups.reporting_fi_id)
        elif isinstance(record, CbcAdditionalInfo):
            self._rows.add_cbc_info(record, doc_record_id, self._groups.reporting_fi_id)
        # A NilReport is all DocSpec: its doc_record row is the whole of it.

    def _set_states(self, changes: dict[int, DocState]) -> None:
        by_state: dict[DocState, list[int]] = {}
        for doc_id, state in changes.items():
            by_state.setdefault(state, []).append(doc_id)
        for state, ids in by_state.items():
            for chunk in chunks(ids):
                self._connection.execute(update(DocRecord).where(DocRecord.id.in_(chunk)).values(state=state))


def _kind(record: Record) -> RecordKind:
    if isinstance(record, AccountReport):
        return RecordKind.ACCOUNT_REPORT
    if isinstance(record, ReportingFI):
        return RecordKind(record.role.value)
    if isinstance(record, PoolReport):
        return RecordKind.POOL_REPORT
    if isinstance(record, NilReport):
        return RecordKind.NIL_REPORT
    if isinstance(record, ReportableSeller):
        return RecordKind.SELLER
    if isinstance(record, OtherPlatformOperator):
        return RecordKind.OTHER_OPERATOR
    if isinstance(record, CbcReport):
        return RecordKind.CBC_REPORT
    if isinstance(record, CbcAdditionalInfo):
        return RecordKind.CBC_INFO
    raise TypeError(f"not a record: {type(record).__name__}")
