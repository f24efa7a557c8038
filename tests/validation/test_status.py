"""The CRS status message built from findings validates against our csm_v2 schema and says what it must."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from lxml import etree

from exchange import __version__
from exchange.formats import csm_v2
from exchange.status import OriginalMessage, build_status_message, file_status, new_message_ref_id, to_bytes
from exchange.validation.findings import Finding, file_error
from exchange.validation.schema import validate

CSM = "{urn:oecd:ties:csm:v2}"
ORIGINAL = OriginalMessage(message_ref_id="NL2025BE0000000001", sender="NL")


def _text(message: etree._Element, path: str) -> str | None:
    return message.findtext(path.replace("csm:", CSM))


def _record(code: int, index: int) -> Finding:
    return Finding(
        code=code,
        level="record",
        message=f"rule {code} broken",
        doc_ref_ids=(f"NL2025-AR-{index}", f"NL2025-AR-{index}b"),
        field_paths=(
            "CrsBody/ReportingGroup/AccountReport/AccountBalance",
            "CrsBody/ReportingFI/ResCountryCode",
        ),
    )


MANY = [
    *(
        file_error(code, f"file problem {code}", line=code % 100, path="/CRS_OECD")
        for code in range(50001, 50014)
    ),
    *(_record(code, index) for index, code in enumerate([*range(60000, 60024), *range(80000, 80016)])),
    Finding(code=98001, level="record", message="domestic check"),
    Finding(code=99999, level="file", message="x" * 5000),  # longer than Details allows: cut, still valid
]


@pytest.mark.parametrize("findings", [[], MANY, MANY[20:]], ids=["none", "many", "record errors only"])
def test_every_status_message_validates_against_our_schema(
    findings: list[Finding], our_csm_v2: etree.XMLSchema
) -> None:
    message = build_status_message(ORIGINAL, findings, home="BE")
    assert our_csm_v2.validate(message), our_csm_v2.error_log.last_error
    report = validate(to_bytes(message))  # and through the product's own reader, as a partner's would
    assert report.spec == csm_v2.SPEC and report.valid


def test_a_clean_file_is_accepted_with_empty_validation_errors() -> None:
    message = build_status_message(ORIGINAL, [], home="BE")
    assert _text(message, "csm:CrsStatusMessage/csm:ValidationResult/csm:Status") == "Accepted"
    errors = message.find(f"{CSM}CrsStatusMessage/{CSM}ValidationErrors")
    assert errors is not None and len(errors) == 0


def test_record_errors_alone_leave_the_file_accepted() -> None:
    assert file_status(MANY[20:-1]) == "Accepted"
    assert file_status([*MANY[20:-1], file_error(50007, "schema")]) == "Rejected"


def test_every_finding_is_reported_in_its_list() -> None:
    message = build_status_message(ORIGINAL, MANY, home="BE")
    errors = message.find(f"{CSM}CrsStatusMessage/{CSM}ValidationErrors")
    assert errors is not None
    file_errors = errors.findall(f"{CSM}FileError")
    record_errors = errors.findall(f"{CSM}RecordError")
    assert [error.findtext(f"{CSM}Code") for error in file_errors] == [
        *map(str, range(50001, 50014)),
        "99999",
    ]
    assert len(record_errors) == 41
    first = record_errors[0]
    assert first.findtext(f"{CSM}Code") == "60000"
    assert first.findtext(f"{CSM}Details") == "rule 60000 broken"
    assert [ref.text for ref in first.findall(f"{CSM}DocRefIDInError")] == ["NL2025-AR-0", "NL2025-AR-0b"]
    assert [path.text for path in first.iterfind(f"{CSM}FieldsInError/{CSM}FieldPath")] == list(
        MANY[13].field_paths
    )
    assert file_errors[0].findtext(f"{CSM}Details") == "line 1, /CRS_OECD: file problem 50001"
    assert len(file_errors[-1].findtext(f"{CSM}Details") or "") == 4000
    assert _text(message, "csm:CrsStatusMessage/csm:ValidationResult/csm:Status") == "Rejected"


def test_the_header_answers_the_sender_from_home() -> None:
    when = datetime(2026, 3, 15, 10, 30, tzinfo=timezone(timedelta(hours=1)))
    message = build_status_message(ORIGINAL, [], home="BE", timestamp=when)
    assert _text(message, "csm:MessageSpec/csm:TransmittingCountry") == "BE"
    assert _text(message, "csm:MessageSpec/csm:ReceivingCountry") == "NL"
    assert _text(message, "csm:MessageSpec/csm:MessageType") == "CRSMessageStatus"
    assert _text(message, "csm:MessageSpec/csm:Timestamp") == "2026-03-15T09:30:00Z"
    assert (_text(message, "csm:MessageSpec/csm:MessageRefId") or "").startswith("BE2026NL")
    assert (
        _text(message, "csm:CrsStatusMessage/csm:OriginalMessage/csm:OriginalMessageRefID")
        == "NL2025BE0000000001"
    )
    assert (
        _text(message, "csm:CrsStatusMessage/csm:ValidationResult/csm:ValidatedBy")
        == f"exchange {__version__}"
    )
    assert message.get("version") == "2.0"


def test_message_ref_ids_are_unique_and_follow_the_oecd_pattern() -> None:
    when = datetime(2026, 1, 2, tzinfo=UTC)
    ids = {new_message_ref_id("BE", "LU", when) for _ in range(1000)}
    assert len(ids) == 1000
    assert all(ref.startswith("BE2026LU") and len(ref) <= 170 for ref in ids)
    first = build_status_message(ORIGINAL, [], home="BE")
    second = build_status_message(ORIGINAL, [], home="BE")
    assert _text(first, "csm:MessageSpec/csm:MessageRefId") != _text(
        second, "csm:MessageSpec/csm:MessageRefId"
    )


def test_cts_file_metadata_is_included_when_known(our_csm_v2: etree.XMLSchema) -> None:
    original = OriginalMessage(
        message_ref_id="NL2025BE1",
        sender="NL",
        cts_transmission_id="a1b2c3",
        cts_sending_timestamp=datetime(2026, 3, 1, 8, 0, tzinfo=UTC),
        uncompressed_size_kb=1234,
    )
    message = build_status_message(original, [], home="BE")
    meta = "csm:CrsStatusMessage/csm:OriginalMessage/csm:FileMetaData/"
    assert _text(message, meta + "csm:CTSTransmissionID") == "a1b2c3"
    assert _text(message, meta + "csm:CTSSendingTimeStamp") == "2026-03-01T08:00:00Z"
    assert _text(message, meta + "csm:UncompressedFileSizeKBQty") == "1234"
    assert our_csm_v2.validate(message)


def test_the_status_message_of_a_validated_file(standards_dir: Path, our_csm_v2: etree.XMLSchema) -> None:
    sample = (standards_dir / "samples/crs/valid-2.0.xml").read_bytes()
    report = validate(sample.replace(b'currCode="EUR">1500.00', b'currCode="EUR">1500.001'))
    assert report.header is not None and report.header.message_ref_id and report.header.transmitting_country
    original = OriginalMessage(report.header.message_ref_id, sender=report.header.transmitting_country)
    message = build_status_message(original, report.findings, home="DE")
    assert our_csm_v2.validate(message)
    assert _text(message, "csm:CrsStatusMessage/csm:ValidationErrors/csm:FileError/csm:Code") == "50007"
    assert "line 50" in (
        _text(message, "csm:CrsStatusMessage/csm:ValidationErrors/csm:FileError/csm:Details") or ""
    )


@pytest.mark.parametrize(("home", "sender"), [("be", "NL"), ("BE", "Netherlands"), ("BE", "")])
def test_a_message_that_cannot_be_addressed_is_refused(home: str, sender: str) -> None:
    with pytest.raises(ValueError):
        build_status_message(OriginalMessage("X1", sender=sender), [], home=home)
