"""The official samples pass every rule; a generated document's findings come before their records."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from exchange.extract import Extractor
from exchange.records import MessageHeader, StreamItem
from exchange.states import RecordKind
from exchange.validation.findings import Finding
from exchange.validation.records_pass import validate_records
from exchange.validation.rules import MemoryHistory, ReceiverProfile
from tests.extract.documents import crs_v3
from tests.extract.streaming import streamed

TODAY = date(2027, 6, 1)


def check(source: Path | bytes, home: str, history: MemoryHistory) -> list[StreamItem]:
    elements = streamed(source)
    header = Extractor().header(next(elements))
    assert isinstance(header, MessageHeader)
    return list(validate_records(header, elements, history, ReceiverProfile(home), today=TODAY))


@pytest.mark.parametrize(
    ("sample", "home", "records"),
    [
        ("samples/crs/valid-2.0.xml", "DE", 4),
        ("samples/crs/valid-3.0.xml", "DE", 5),
        ("ides/Sample.000000.00000.TA.124_Payload.xml", "US", 168),
    ],
)
def test_an_official_sample_has_no_finding(sample: str, home: str, records: int, standards_dir: Path) -> None:
    items = check(standards_dir / sample, home, MemoryHistory())
    assert [item for item in items if isinstance(item, Finding)] == []
    assert len(items) == records


def test_the_correction_sample_has_no_finding_once_its_originals_are_stored(standards_dir: Path) -> None:
    history = MemoryHistory()
    history.add_doc("CH", "CH2017CH_FI1", RecordKind.REPORTING_FI, reporting_period=date(2017, 12, 31))
    history.add_doc("CH", "CH2017CH_AR1", RecordKind.ACCOUNT_REPORT, reporting_period=date(2017, 12, 31))
    items = check(standards_dir / "samples/crs/korrekturmeldung.xml", "CH", history)
    assert [item for item in items if isinstance(item, Finding)] == []


def test_the_correction_sample_without_its_originals(standards_dir: Path) -> None:
    items = check(standards_dir / "samples/crs/korrekturmeldung.xml", "CH", MemoryHistory())
    assert [item.code for item in items if isinstance(item, Finding)] == [80013, 80002]


def test_a_generated_document_streams_findings_before_their_records() -> None:
    items = check(crs_v3(), "BE", MemoryHistory())
    stream = [
        (item.code, item.doc_ref_ids) if isinstance(item, Finding) else item.doc_spec.doc_ref_id
        for item in items
    ]
    assert stream == [
        (80007, ()),  # the MessageSpec's CorrMessageRefId, before any record
        "LU2026BE-FI1",
        (80002, ("LU2026BE-AR2",)),  # corrects a record the store does not know
        "LU2026BE-AR2",
        "LU2026BE-FI2",
        (80010, ("LU2026BE-AR3",)),  # new data in a correction message
        "LU2026BE-AR3",
        (60008, ("LU2026BE-SP1",)),
        (60007, ("LU2026BE-SP1",)),
        "LU2026BE-SP1",
        (60009, ("LU2026BE-IM1",)),
        "LU2026BE-IM1",
        (60010, ("LU2026BE-PR1",)),
        (80010, ("LU2026BE-PR1",)),
        "LU2026BE-PR1",
    ]
    findings = [item for item in items if isinstance(item, Finding)]
    assert findings[1].field_paths == ("AccountReport/DocSpec/CorrDocRefId",)
    assert findings[1].line is not None and all(finding.level == "record" for finding in findings)
