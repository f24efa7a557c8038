"""One streaming pass over a document: well-formedness, threats and schema validation together.

Each chunk goes to two libxml2 parsers:
- the validating parser (schema plugged in, start/end events): the schema verdict, the elements for
  records and the positions of errors;
- a well-formedness checker that builds nothing: with a schema plugged in, libxml2 stops silently on a
  malformed or truncated file, so the checker is what reports those (with libxml2's own message).

Memory stays flat whatever the file size: every element is cleared at its end, and its earlier siblings
removed, unless it belongs to a subtree kept for a consumer (the message header; records when asked).

Errors are placed where they happened. libxml2 reports a streaming-validation error without a line,
during `feed`, naming the element. At that moment the events parsed so far are drained (see `errorlog`),
so the error is known to follow a given event, and the element it names is among the events just before.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import cast

from lxml import etree

from exchange.formats.spec import FormatSpec
from exchange.validation import safety
from exchange.validation.errorlog import listening
from exchange.validation.findings import Finding, file_error

_LOOKBACK = 8  # an error follows its element's events by one or two events; 8 leaves room
_ELEMENT_IN_MESSAGE = re.compile(r"^Element '([^']+)'")
_CLARK_NAMESPACE = re.compile(r"\{[A-Za-z][^}\s']*\}")  # {urn:...}Name, not a set of values
_SCHEMA_DOMAIN = "SCHEMASV"

Hearer = Callable[[etree._LogEntry], None]


@dataclass(frozen=True)
class HeaderFields:
    """The identifying fields of the message header (MessageSpec), as written in the file."""

    transmitting_country: str | None = None
    receiving_country: str | None = None
    message_ref_id: str | None = None
    message_type: str | None = None
    message_type_indic: str | None = None
    reporting_period: str | None = None
    timestamp: str | None = None


@dataclass(frozen=True)
class _Place:
    tag: str
    line: int | None
    path: str


class StreamPass:
    """Parse and validate chunks, yielding kept records; findings accumulate in `findings`."""

    def __init__(
        self,
        spec: FormatSpec,
        schema: etree.XMLSchema,
        *,
        records: frozenset[str],
        max_depth: int,
        max_errors: int,
        yield_header: bool = False,
    ) -> None:
        self._spec = spec
        self._yield_header = yield_header  # hand out the MessageSpec element too, before any record
        self._parser = safety.safe_pull_parser(schema)
        self._checker = safety.well_formedness_checker()
        self._records = records
        self._max_depth = max_depth
        self._max_errors = max_errors
        self._queue: list[tuple[str, etree._Element]] = []
        self._schema_errors: list[tuple[int, etree._LogEntry]] = []  # (events before it, entry)
        self._syntax_errors: list[etree._LogEntry] = []
        self._stack: list[tuple[str, int]] = []  # (local name, position among same-named siblings)
        self._counts: list[dict[str, int]] = [{}]
        self._kept_at = 0  # depth of the kept subtree being built, 0 when none
        self._recent: deque[_Place] = deque(maxlen=_LOOKBACK)
        self._validator_raised: etree.XMLSyntaxError | None = None
        self._checker_raised: etree.XMLSyntaxError | None = None
        self.findings: list[Finding] = []
        self.header: HeaderFields | None = None
        self.elements = 0
        self.bytes_read = 0
        self.stopped = False  # by a threat, a broken file or the error limit: the rest is unread

    def run(self, chunks: Iterable[bytes]) -> Iterator[etree._Element]:
        for chunk in chunks:
            self.bytes_read += len(chunk)
            self._validator_raised = _push(self._parser.feed, self._heard_by_validator, chunk)
            self._checker_raised = _push(self._checker.feed, self._syntax_errors.append, chunk)
            yield from self._drain()
            self._judge_syntax()
            if self.stopped:
                return
        self._validator_raised = _push(self._parser.close, self._heard_by_validator)
        self._checker_raised = _push(self._checker.close, self._syntax_errors.append)
        yield from self._drain()
        self._judge_syntax()
        self._judge_end()

    # ------------------------------------------------------------------ feeding and hearing errors

    def _heard_by_validator(self, entry: etree._LogEntry) -> None:
        # Only schema errors count here: well-formedness is the checker's to report, once.
        if entry.level < etree.ErrorLevels.ERROR or entry.domain_name != _SCHEMA_DOMAIN:
            return
        self._queue.extend(self._parser.read_events())
        self._schema_errors.append((len(self._queue), entry))

    def _judge_syntax(self) -> None:
        errors, self._syntax_errors = self._syntax_errors, []
        for entry in errors:
            if entry.level >= etree.ErrorLevels.ERROR and not self.stopped:
                self._add(safety.parse_error_finding(entry, entry.message, self._path() or None))
                if entry.level >= etree.ErrorLevels.FATAL:
                    self.stopped = True
        if self._checker_raised is not None and not self.stopped:
            self._stop(safety.parse_error_finding(None, str(self._checker_raised), self._path() or None))

    def _judge_end(self) -> None:
        # Belt and braces: the verdicts of the two parsers must agree with what was heard.
        if self.stopped:
            return
        if self._stack:
            self._stop(file_error(safety.NOT_VALID, "the file ends before the document does (truncated?)"))
        elif self._validator_raised is not None and not self.findings:
            message = _CLARK_NAMESPACE.sub("", str(self._validator_raised))
            self._add(file_error(safety.NOT_VALID, f"schema validation failed: {message}"))

    # ------------------------------------------------------------------ events

    def _drain(self) -> Iterator[etree._Element]:
        self._queue.extend(self._parser.read_events())
        if not self._schema_errors:
            # Errors are only heard while feeding, so none can arrive during this drain: nothing needs
            # remembering for placement, and the events take the quick path.
            queue, self._queue = self._queue, []
            yield from self._drain_quickly(queue)
            return
        queue, errors = self._queue, deque(self._schema_errors)
        self._queue, self._schema_errors = [], []
        for index, (event, element) in enumerate(queue):
            remember = bool(errors) and errors[0][0] - index <= _LOOKBACK
            if event == "start":
                self._start(element, remember)
            else:
                record = self._end(element, remember)
                if record is not None:
                    yield record
                    self._release(record)
            while errors and errors[0][0] <= index + 1 and not self.stopped:
                self._place(errors.popleft()[1])
            if self.stopped:
                return
        while errors and not self.stopped:
            self._place(errors.popleft()[1])

    def _drain_quickly(self, queue: list[tuple[str, etree._Element]]) -> Iterator[etree._Element]:
        """`_start` and `_end` for events no error follows, inlined: this loop runs twice per element of
        the file, so attribute lookups and calls are most of the validator's own cost. The counters live
        in locals and are written back before anything else can read them (a yield, a finding)."""
        stack, counts_stack, max_depth = self._stack, self._counts, self._max_depth
        header, records, xinclude = self._spec.header, self._records, safety.XINCLUDE_TAG_PREFIXES
        release = self._release
        kept_at, elements = self._kept_at, self.elements
        for event, element in queue:
            if event == "start":
                elements += 1
                tag: str = element.tag  # type: ignore[assignment]  # parsed elements have str tags
                local = tag.rpartition("}")[2]
                counts = counts_stack[-1]
                counts[local] = position = counts.get(local, 0) + 1
                stack.append((local, position))
                counts_stack.append({})
                depth = len(stack)
                if depth > max_depth or tag.startswith(xinclude):
                    self._kept_at, self.elements = kept_at, elements
                    if depth > max_depth:
                        finding = safety.depth_finding(depth, max_depth, element.sourceline, self._path())
                    else:
                        finding = safety.xinclude_finding(element.sourceline, self._path())
                    self._stop(finding)
                    return
                if kept_at == 0 and ((depth == 2 and local == header) or local in records):
                    kept_at = depth
                continue
            depth = len(stack)
            record = None
            if kept_at == depth:
                kept_at = 0
                if depth == 2 and stack[-1][0] == header:
                    self.header = _header_of(element)
                    if self._yield_header:
                        record = element
                else:
                    record = element
            stack.pop()
            counts_stack.pop()
            if record is not None:
                self._kept_at, self.elements = kept_at, elements
                yield record
                release(record)
            elif kept_at == 0:
                release(element)
        self._kept_at, self.elements = kept_at, elements

    def _start(self, element: etree._Element, remember: bool) -> None:
        self.elements += 1
        tag = cast(str, element.tag)  # always a str for parsed elements (comments are not events here)
        local = tag.rpartition("}")[2]
        counts = self._counts[-1]
        counts[local] = position = counts.get(local, 0) + 1
        self._stack.append((local, position))
        self._counts.append({})
        depth = len(self._stack)
        if remember:
            self._recent.append(_Place(tag, element.sourceline, self._path()))
        if depth > self._max_depth:
            self._stop(safety.depth_finding(depth, self._max_depth, element.sourceline, self._path()))
        elif safety.is_xinclude(tag):
            self._stop(safety.xinclude_finding(element.sourceline, self._path()))
        elif self._kept_at == 0 and self._keeps(local, depth):
            self._kept_at = depth

    def _end(self, element: etree._Element, remember: bool) -> etree._Element | None:
        depth = len(self._stack)
        if remember:
            self._recent.append(_Place(cast(str, element.tag), element.sourceline, self._path()))
        record = None
        if self._kept_at == depth:
            self._kept_at = 0
            if depth == 2 and self._stack[-1][0] == self._spec.header:
                self.header = _header_of(element)
                if self._yield_header:
                    record = element
            else:
                record = element
        self._stack.pop()
        self._counts.pop()
        if record is None and self._kept_at == 0:
            self._release(element)
        return record

    def _keeps(self, local: str, depth: int) -> bool:
        return (depth == 2 and local == self._spec.header) or local in self._records

    @staticmethod
    def _release(element: etree._Element) -> None:
        element.clear(keep_tail=False)
        parent = element.getparent()
        if parent is not None:
            while element.getprevious() is not None:
                del parent[0]

    # ------------------------------------------------------------------ findings

    def _place(self, entry: etree._LogEntry) -> None:
        place = self._element_named(entry.message)
        message = _CLARK_NAMESPACE.sub("", entry.message.strip())
        if place is None:
            self._add(file_error(safety.NOT_VALID, message, path=self._path() or None))
        else:
            self._add(file_error(safety.NOT_VALID, message, line=place.line, path=place.path))

    def _element_named(self, message: str) -> _Place | None:
        named = _ELEMENT_IN_MESSAGE.match(message)
        if named is not None:
            for place in reversed(self._recent):
                if place.tag == named.group(1):
                    return place
        return self._recent[-1] if self._recent else None

    def _add(self, finding: Finding) -> None:
        self.findings.append(finding)
        if len(self.findings) >= self._max_errors:
            self.stopped = True

    def _stop(self, finding: Finding) -> None:
        self.findings.append(finding)
        self.stopped = True

    def _path(self) -> str:
        if not self._stack:
            return ""
        (root, _), *inner = self._stack
        return f"/{root}" + "".join(f"/{local}[{position}]" for local, position in inner)


def _push(action: Callable[..., object], hearer: Hearer, *chunk: bytes) -> etree.XMLSyntaxError | None:
    """Run a parser's feed or close while `hearer` hears its errors; return what it raised, if anything."""
    try:
        with listening(hearer):
            action(*chunk)
    except etree.XMLSyntaxError as exc:
        return exc
    return None


def _header_of(element: etree._Element) -> HeaderFields:
    values: dict[str, str] = {}
    for child in element:
        if isinstance(child.tag, str):
            values.setdefault(child.tag.rpartition("}")[2], (child.text or "").strip())
    return HeaderFields(
        transmitting_country=values.get("TransmittingCountry"),
        receiving_country=values.get("ReceivingCountry"),
        message_ref_id=values.get("MessageRefId"),
        message_type=values.get("MessageType"),
        message_type_indic=values.get("MessageTypeIndic"),
        reporting_period=values.get("ReportingPeriod"),
        timestamp=values.get("Timestamp"),
    )
