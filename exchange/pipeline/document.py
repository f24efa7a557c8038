"""The opened packet's document as the store's stream: header first, then records with their findings.

One pass over the decrypted bytes: the schema validator parses them as they are decrypted, the record
elements it keeps are extracted and checked by the business rules, and the store writes them in batches.
Whatever is only known at the end (a late schema error, the signature's digest) comes as findings after
the last record, where the store still rolls the whole file back if one of them is a file error.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Protocol

from lxml import etree

from crypto import OpenedPacket, PacketError
from exchange.extract import Extractor
from exchange.extract.status_message import StatusReport
from exchange.formats.spec import FormatSpec
from exchange.records import MessageHeader, StreamItem
from exchange.settings import Settings
from exchange.validation.findings import Finding, file_error
from exchange.validation.records_pass import validate_records
from exchange.validation.rules import History
from exchange.validation.schema import SchemaValidation

_CHUNK = 1 << 16


class ChunkSource(Protocol):
    """The document's bytes, and whatever check of them is only decided at the end."""

    size: int
    failure: PacketError | None  # why the stream ended early, once it has

    def __iter__(self) -> Iterator[bytes]: ...

    def settle(self) -> PacketError | None: ...


@dataclass
class PlainChunks:
    """A document with nothing around it to verify: a file given to `exchange validate`."""

    chunks: Iterable[bytes]
    size: int = 0
    failure: PacketError | None = None  # nothing around the document can fail

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self.chunks:
            self.size += len(chunk)
            yield chunk

    def settle(self) -> PacketError | None:
        return None


@dataclass
class VerifiedChunks:
    """The packet's plaintext as chunks; a failed check ends the stream and is kept, not raised.

    Raising through the validator would abort the store's transaction without recording why; keeping
    it lets the file be rejected with its code like any other file error.
    """

    opened: OpenedPacket
    failure: PacketError | None = None
    size: int = 0

    def __iter__(self) -> Iterator[bytes]:
        try:
            while chunk := self.opened.stream.read(_CHUNK):
                self.size += len(chunk)
                yield chunk
        except PacketError as exc:
            self.failure = exc

    def settle(self) -> PacketError | None:
        """Read what the validator left unread (it stops at a threat) so the signature is decided."""
        if self.failure is None:
            try:
                while chunk := self.opened.stream.read(_CHUNK):
                    self.size += len(chunk)
                self.opened.verdict()
            except PacketError as exc:
                self.failure = exc
        return self.failure


@dataclass
class DocumentPass:
    """Validates one document (schema, then business rules); `header` is known once `start()` returned.

    `sender` is the authenticated sender: the packet's metadata sender, whose registered certificate
    signed the document. The document must come from it (50004), and it scopes the history lookups. None
    (a file without its packet, as `exchange validate` reads it) leaves that rule out and scopes the
    lookups by the header's TransmittingCountry.
    """

    source: ChunkSource
    settings: Settings
    history: History | None
    sender: str | None = None
    # A status message is read, not processed: `exchange validate` asks for it (`status_report` then
    # says what it reports); received in place of a report, it is a file error.
    reads_status: bool = False
    header: MessageHeader | None = None
    spec: FormatSpec | None = None
    status_report: StatusReport | None = None
    _header_problem: str = field(init=False, default="")
    _chunks: ChunkSource = field(init=False)
    _validation: SchemaValidation = field(init=False)
    _elements: Iterator[etree._Element] = field(init=False)

    def __post_init__(self) -> None:
        self._chunks = self.source
        self._validation = SchemaValidation(
            iter(self._chunks),
            schema_dir=self.settings.schema_dir,
            max_depth=self.settings.max_xml_depth,
            yield_header=True,
        )
        self._elements = self._validation.records()

    @property
    def payload_size(self) -> int:
        return self._chunks.size

    @property
    def validation(self) -> SchemaValidation:
        return self._validation

    def start(self) -> None:
        """Read up to the message header, the first element the validator hands out."""
        first = next(self._elements, None)
        self.spec = self._validation.detection.spec if self._validation.detection else None
        if self.spec is not None and self.spec.kind == "status":
            self.status_report = StatusReport()
            if first is not None and _local(first) != self.spec.header:
                self._elements = _prepend(first, self._elements)
        elif first is not None and self.spec is not None and _local(first) == self.spec.header:
            extractor = Extractor(self.spec)
            self.header = extractor.header(first)
            if self.header is None:
                self._header_problem = extractor.header_problem(first)
        elif first is not None:
            self._elements = _prepend(first, self._elements)

    def items(self) -> Iterator[StreamItem]:
        """Records and findings for the store, the file's closing findings last."""
        if self.status_report is not None:
            for element in self._elements:
                self.status_report.read(element)
        elif self.header is not None:
            yield from validate_records(
                self.header,
                self._elements,
                self.history,
                self.settings,
                spec=self.spec,
                sender=self.sender,
                complete=self._read_whole,
                locate=self._validation.path_of,
            )
        for _ in self._elements:  # no header: nothing to check records against, but read on for the verdict
            pass
        yield from self._closing_findings()

    def _read_whole(self) -> bool:
        """Whether the records came from the whole document: neither the validator nor the packet's
        stream (a signed file found not well-formed) stopped before its end."""
        return self._validation.result().complete and self._chunks.failure is None

    def _closing_findings(self) -> Iterator[Finding]:
        failure = self._chunks.settle()
        if failure is not None:
            # Nothing of an unverified document is worth reporting: its signature failure alone.
            yield file_error(int(failure.code), failure.reason)
            return
        report = self._validation.result()
        yield from report.findings
        if self.status_report is not None:
            if not self.reads_status:
                label = self.spec.label if self.spec else "status message"
                yield file_error(50007, f"the file is a status message ({label}), not a report")
        elif self.header is None and not report.findings:
            problem = f": {self._header_problem}" if self._header_problem else ""
            yield file_error(50007, f"the message header (MessageSpec) could not be read{problem}")


def _local(element: etree._Element) -> str:
    return str(element.tag).rpartition("}")[2]


def _prepend(first: etree._Element, rest: Iterator[etree._Element]) -> Iterator[etree._Element]:
    yield first
    yield from rest
