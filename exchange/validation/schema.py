"""Schema validation of a received file in one streaming pass, with constant memory.

Two ways in:

    report = validate(path_or_bytes_or_stream)            # the verdict only

    run = SchemaValidation(stream)                         # the verdict and the records, in one pass
    for record in run.records():                           # AccountReport, ReportingFI... as each ends
        stage(record)                                      # PROVISIONAL: see below
    report = run.result()                                  # final only now

The verdict is only final at the end of the file: libxml2 may report a schema error after the record it
concerns was handed out, and any later error (a truncated file, a threat) rejects the whole file. A consumer
of `records()` must therefore treat what it receives as provisional and commit nothing before `result()`
says the file is valid. `result()` before the records are exhausted raises `VerdictPendingError`. A record
element is only valid until the next iteration: it is cleared afterwards to keep memory flat.

Every problem is a finding: 50005 for threats, 50007 for everything else that stops a file from being a
schema-valid document (encoding, well-formedness, unknown format, schema errors), with line and path.
Validation continues after a schema error to report more of them, up to `max_errors`.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import Any

from lxml import etree

from exchange.formats.detect import Detection, detect_prolog
from exchange.formats.schemas import load_schema
from exchange.formats.spec import FormatSpec
from exchange.logs import get_logger
from exchange.validation.findings import Finding
from exchange.validation.prolog import read_prolog
from exchange.validation.source import DEFAULT_CHUNK_SIZE, Source, iter_chunks
from exchange.validation.stream import HeaderFields, StreamPass

DEFAULT_MAX_DEPTH = 64  # Settings.max_xml_depth's default; callers pass the setting
DEFAULT_MAX_ERRORS = 100

log = get_logger(__name__)


class VerdictPendingError(RuntimeError):
    """The verdict was asked for before the whole file was read."""


@dataclass(frozen=True)
class ValidationReport:
    detection: Detection
    findings: tuple[Finding, ...]
    header: HeaderFields | None
    elements: int
    bytes_read: int
    complete: bool  # False when reading stopped early (a threat, a fatal error, too many errors)

    @property
    def spec(self) -> FormatSpec | None:
        return self.detection.spec

    @property
    def valid(self) -> bool:
        return not self.findings

    def to_dict(self) -> dict[str, Any]:
        spec = self.spec
        return {
            "format": spec.name if spec else None,
            "version": spec.version if spec else None,
            "namespace": self.detection.namespace,
            "valid": self.valid,
            "findings": [finding.to_dict() for finding in self.findings],
            "message_ref_id": self.header.message_ref_id if self.header else None,
            "transmitting_country": self.header.transmitting_country if self.header else None,
            "elements": self.elements,
            "bytes_read": self.bytes_read,
            "complete": self.complete,
        }


class SchemaValidation:
    """One validation pass over one file; see the module docstring for the two ways to use it."""

    def __init__(
        self,
        source: Source,
        *,
        schema_dir: Path | None = None,
        max_depth: int = DEFAULT_MAX_DEPTH,
        max_errors: int = DEFAULT_MAX_ERRORS,
        records: Collection[str] | None = None,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        yield_header: bool = False,
    ) -> None:
        self._source = source
        self._yield_header = yield_header
        self._schema_dir = schema_dir
        self._max_depth = max_depth
        self._max_errors = max_errors
        self._records = None if records is None else frozenset(records)
        self._chunk_size = chunk_size
        self._started = False
        self._report: ValidationReport | None = None
        self._walk: StreamPass | None = None
        self.detection: Detection | None = None  # known once the root element has been read

    def records(self) -> Iterator[etree._Element]:
        """Each record element (the format's correctable documents, or the local names given) at its end.

        Provisional until `result()`: see the module docstring.
        """
        self._claim()
        yield from self._run(yield_records=True)

    def path_of(self, element: etree._Element) -> str | None:
        """Where a record element handed out by `records()` stands in the file, while it is current:
        /CRS_OECD/CrsBody[1]/ReportingGroup[1]/AccountReport[17], the elements already removed counted."""
        return None if self._walk is None else self._walk.path_of(element)

    def result(self) -> ValidationReport:
        """The final report; reads the whole file first if `records()` was never used."""
        if not self._started:
            self._claim()
            for _ in self._run(yield_records=False):
                pass
        if self._report is None:
            raise VerdictPendingError("the file has not been read to its end: there is no verdict yet")
        return self._report

    def _claim(self) -> None:
        if self._started:
            raise RuntimeError("a SchemaValidation reads its source once")
        self._started = True

    def _run(self, yield_records: bool) -> Iterator[etree._Element]:
        chunks = iter_chunks(self._source, self._chunk_size)
        prolog = read_prolog(chunks)
        detection = self.detection = detect_prolog(prolog)
        if detection.spec is None or detection.finding is not None:
            findings = (detection.finding,) if detection.finding else ()
            self._conclude(ValidationReport(detection, findings, None, 0, len(prolog.consumed), False))
            return
        spec = detection.spec
        wanted = (spec.records if self._records is None else self._records) if yield_records else frozenset()
        schema = load_schema(spec, self._schema_dir)
        walk = self._walk = StreamPass(
            spec,
            schema,
            records=wanted,
            max_depth=self._max_depth,
            max_errors=self._max_errors,
            yield_header=yield_records and self._yield_header,
        )
        yield from walk.run(chain([prolog.consumed], chunks))
        report = ValidationReport(
            detection, tuple(walk.findings), walk.header, walk.elements, walk.bytes_read, not walk.stopped
        )
        self._conclude(report)

    def _conclude(self, report: ValidationReport) -> None:
        self._report = report
        spec = report.spec
        log.debug(
            "schema validation finished",
            format=spec.label if spec else None,
            valid=report.valid,
            codes=sorted({finding.code for finding in report.findings}),
            findings=len(report.findings),
            elements=report.elements,
            bytes_read=report.bytes_read,
        )


def validate(
    source: Source,
    *,
    schema_dir: Path | None = None,
    max_depth: int = DEFAULT_MAX_DEPTH,
    max_errors: int = DEFAULT_MAX_ERRORS,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
) -> ValidationReport:
    """Detect the format of `source` and validate it against its schema, streaming."""
    run = SchemaValidation(
        source, schema_dir=schema_dir, max_depth=max_depth, max_errors=max_errors, chunk_size=chunk_size
    )
    return run.result()
