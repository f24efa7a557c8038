"""Streaming schema validation: findings with line and path, records handed out provisionally, a verdict
only at the end, and memory that stays flat whatever the file size."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from lxml import etree

from exchange.formats import crs_v2
from exchange.validation.codes import FileErrorCode
from exchange.validation.schema import SchemaValidation, VerdictPendingError, validate

C = "{urn:oecd:ties:crs:v2}"
RecordProperty = Callable[[str, object], None]


@pytest.fixture
def sample(standards_dir: Path) -> bytes:
    return (standards_dir / "samples/crs/valid-2.0.xml").read_bytes()


@pytest.fixture
def broken(sample: bytes) -> bytes:
    """The sample with five schema errors, at lines 6, 17, 90, 101 and 121."""
    return (
        sample.replace(
            b"<crs:MessageType>CRS</crs:MessageType>", b"<crs:MessageType>CRS</crs:MessageType><crs:Bogus/>"
        )
        .replace(
            b"<cfc:CountryCode>ES</cfc:CountryCode>\n        "
            b"<cfc:AddressFree>Example street 3, Madrid</cfc:AddressFree>",
            b"<cfc:CountryCode>ES</cfc:CountryCode>",
        )
        .replace(b'currCode="EUR">25000.00', b'currCode="EUR">25000.001')
        .replace(b'AcctNumberType="OECD603"', b'AcctNumberType="OECD609"')
        .replace(b"<crs:Type>CRS503", b"<crs:Type>CRS5X3")
    )


EXPECTED_PLACES = [
    (6, "/CRS_OECD/MessageSpec[1]/Bogus[1]"),
    (17, "/CRS_OECD/CrsBody[1]/ReportingFI[1]/Address[1]"),
    (90, "/CRS_OECD/CrsBody[1]/ReportingGroup[1]/AccountReport[2]/AccountBalance[1]"),
    (101, "/CRS_OECD/CrsBody[1]/ReportingGroup[1]/AccountReport[3]/AccountNumber[1]"),
    (121, "/CRS_OECD/CrsBody[1]/ReportingGroup[1]/AccountReport[3]/Payment[1]/Type[1]"),
]


@pytest.mark.parametrize("chunk_size", [1, 13, 1000, 65536])
def test_every_schema_error_has_its_line_and_path(chunk_size: int, broken: bytes) -> None:
    report = validate(broken, chunk_size=chunk_size)
    assert [(finding.line, finding.path) for finding in report.findings] == EXPECTED_PLACES
    assert {finding.code for finding in report.findings} == {FileErrorCode.FAILED_SCHEMA_VALIDATION}
    assert report.complete


def test_schema_messages_are_plain_and_free_of_namespace_noise(broken: bytes) -> None:
    messages = [finding.message for finding in validate(broken).findings]
    assert messages[2].startswith("Element 'AccountBalance': [facet 'fractionDigits']")
    assert not any("{urn:" in message for message in messages)
    assert messages[4].endswith("is not an element of the set {'CRS501', 'CRS502', 'CRS503', 'CRS504'}.")


def test_a_valid_file_has_no_finding_and_its_header(sample: bytes) -> None:
    report = validate(sample)
    assert report.valid and report.complete
    assert report.spec == crs_v2.SPEC
    assert report.header is not None
    assert report.header.message_ref_id == "ES2025DE0000000001"
    assert (report.header.transmitting_country, report.header.receiving_country) == ("ES", "DE")
    assert report.elements == 93


def test_errors_are_reported_up_to_the_limit(sample: bytes) -> None:
    many = sample.replace(b"<crs:Type>CRS50", b"<crs:Type>CRS59")
    report = validate(many, max_errors=2)
    assert len(report.findings) == 2
    assert not report.complete


def test_records_come_whole_one_by_one(sample: bytes) -> None:
    run = SchemaValidation(sample)
    seen = []
    for record in run.records():
        doc_ref_id = record.findtext(f"{C}DocSpec/{{urn:oecd:ties:crsstf:v5}}DocRefId")
        seen.append((etree.QName(record).localname, doc_ref_id, record.sourceline))
    assert seen == [
        ("ReportingFI", "ESFI20250001", 13),
        ("AccountReport", "ESAR20250001", 27),
        ("AccountReport", "ESAR20250002", 56),
        ("AccountReport", "ESAR20250003", 97),
    ]
    assert run.result().valid


def test_records_can_be_chosen_by_name(sample: bytes) -> None:
    run = SchemaValidation(sample, records={"Payment"})
    assert len(list(run.records())) == 3


def test_the_verdict_waits_for_the_end(sample: bytes) -> None:
    run = SchemaValidation(sample)
    records = run.records()
    next(records)
    with pytest.raises(VerdictPendingError):
        run.result()
    assert run.detection is not None and run.detection.spec == crs_v2.SPEC
    list(records)
    assert run.result().valid


def test_a_record_handed_out_can_still_turn_out_invalid(sample: bytes) -> None:
    # The error is in the last account report's balance: that record was handed out like the others,
    # and only `result()` says the file is invalid.
    broken = sample.replace(b'currCode="EUR">3000.00', b'currCode="EUR">3000.001')
    run = SchemaValidation(broken)
    assert len(list(run.records())) == 4
    assert not run.result().valid


def test_an_abandoned_pass_has_no_verdict(sample: bytes) -> None:
    run = SchemaValidation(sample)
    for _ in run.records():
        break
    with pytest.raises(VerdictPendingError):
        run.result()


def test_a_pass_reads_its_source_once(sample: bytes) -> None:
    run = SchemaValidation(sample)
    run.result()
    with pytest.raises(RuntimeError):
        list(run.records())


def test_records_are_cleared_after_use(sample: bytes) -> None:
    run = SchemaValidation(sample)
    kept = list(run.records())
    assert all(len(record) == 0 for record in kept)


def test_the_official_samples_have_no_schema_finding(standards_dir: Path) -> None:
    for sample in (
        "samples/crs/valid-2.0.xml",
        "samples/crs/korrekturmeldung.xml",
        "samples/crs/valid-3.0.xml",
        "ides/Sample.000000.00000.TA.124_Payload.xml",
    ):
        report = validate(standards_dir / sample)
        assert report.findings == (), sample


def test_the_official_schemas_agree_through_the_streaming_validator(
    standards_dir: Path, broken: bytes
) -> None:
    official = validate(broken, schema_dir=standards_dir / "xsd")
    ours = validate(broken)
    assert [(f.line, f.path) for f in official.findings] == [(f.line, f.path) for f in ours.findings]


@pytest.mark.parametrize("chunk_size", [997, 65536])
def test_errors_deep_in_a_large_file_are_placed_past_the_removed_records(
    sample: bytes, chunk_size: int
) -> None:
    # The records handed out are removed from the tree as the file goes on: the path still counts them.
    head, rest = sample.split(b"<crs:AccountReport>", 1)
    body, tail = rest.split(b"</crs:ReportingGroup>", 1)
    reports = [b"<crs:AccountReport>" + part for part in body.split(b"<crs:AccountReport>")]
    copies = reports * 700  # 2100 account reports
    copies[1600] = copies[1600].replace(b'currCode="EUR">25000.00', b'currCode="EUR">25000.001')
    assert copies[1600] != reports[1600 % len(reports)]
    document = head + b"".join(copies) + b"</crs:ReportingGroup>" + tail
    before = head + b"".join(copies[:1600])
    line = before.count(b"\n") + 1 + copies[1600].split(b"<crs:AccountBalance")[0].count(b"\n")
    report = validate(document, chunk_size=chunk_size)
    assert [(finding.line, finding.path) for finding in report.findings] == [
        (line, "/CRS_OECD/CrsBody[1]/ReportingGroup[1]/AccountReport[1601]/AccountBalance[1]")
    ]


# ------------------------------------------------------------------------------------- memory

_MEASURE = textwrap.dedent(
    """
    import json, resource, sys
    from pathlib import Path
    from exchange.validation.schema import validate
    report = validate(Path(sys.argv[1]))
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"valid": report.valid, "elements": report.elements, "peak_kib": peak_kib}))
    """
)


def _write_crs(path: Path, sample: bytes, copies: int) -> None:
    """A CRS file with `copies` times the sample's account reports, written without holding it whole."""
    head, rest = sample.split(b"<crs:AccountReport>", 1)
    reports, tail = rest.split(b"</crs:ReportingGroup>", 1)
    with path.open("wb") as out:
        out.write(head)
        for _ in range(copies):
            out.write(b"<crs:AccountReport>" + reports)
        out.write(b"</crs:ReportingGroup>" + tail)


def _peak(path: Path) -> dict[str, int]:
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(path)], capture_output=True, check=True, text=True
    )
    result: dict[str, int] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


@pytest.mark.slow
def test_memory_stays_flat_whatever_the_size(
    sample: bytes, tmp_path: Path, record_property: RecordProperty
) -> None:
    small, large = tmp_path / "small.xml", tmp_path / "large.xml"
    _write_crs(small, sample, 1)
    _write_crs(large, sample, 8000)  # about 33 MB, 580 000 elements
    small_run, large_run = _peak(small), _peak(large)
    assert small_run["valid"] and large_run["valid"]
    assert large_run["elements"] > 500_000
    size_mb = large.stat().st_size / 1e6
    record_property("large_file_mb", round(size_mb, 1))
    record_property("peak_rss_small_mib", small_run["peak_kib"] // 1024)
    record_property("peak_rss_large_mib", large_run["peak_kib"] // 1024)
    small_mib, large_mib = small_run["peak_kib"] // 1024, large_run["peak_kib"] // 1024
    print(f"peak RSS: {small_mib} MiB for 5 KB, {large_mib} MiB for {size_mb:.0f} MB")
    assert large_run["peak_kib"] < 2 * small_run["peak_kib"] + 50 * 1024
