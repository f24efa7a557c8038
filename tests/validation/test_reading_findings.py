"""Reading what `exchange validate` says: record findings with their DocRefId, field and element place;
status messages recognised and summarised; the file a status message is, when a report was expected."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest

from exchange import status
from exchange.cli.main import main
from exchange.pipeline.document import DocumentPass, PlainChunks
from exchange.settings import Settings
from exchange.validation.findings import Finding, file_error
from exchange.writers.crs import crs_bytes
from tests.rules import builders
from tests.validation.documents import codes, validate_json


@pytest.fixture(autouse=True)
def _belgium_receives(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EXCHANGE_HOME_JURISDICTION", "BE")


def _many_reports(count: int, negative: int) -> bytes:
    """`count` account reports on one line, the `negative`-th (from 1) with a negative balance."""
    reports = [builders.account_report(f"LU2025BE-AR{n}") for n in range(1, count + 1)]
    reports[negative - 1] = replace(reports[negative - 1], balance=Decimal("-5.00"))
    return crs_bytes(builders.header(), builders.reporting_fi(), reports)


def test_a_record_finding_names_its_record_field_and_place(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Far into a large one-line file, past the reports already removed from memory."""
    path = tmp_path / "large.xml"
    path.write_bytes(_many_reports(3000, negative=2500))
    assert main(["validate", str(path)]) == 1
    out = capsys.readouterr().out
    place = "/CRS_OECD/CrsBody[1]/ReportingGroup[1]/AccountReport[2500]"
    assert f"  60002  line 2 {place}: AccountBalance is negative\n" in out
    assert "         DocRefId LU2025BE-AR2500; field AccountReport/AccountBalance\n" in out


def test_the_json_has_the_place_too(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (finding,) = validate_json(_many_reports(3, negative=2), tmp_path, capsys)["findings"]
    assert finding["path"] == "/CRS_OECD/CrsBody[1]/ReportingGroup[1]/AccountReport[2]"
    assert finding["doc_ref_ids"] == ["LU2025BE-AR2"]


def _status_message(findings: list[Finding]) -> bytes:
    message = status.build_status_message(status.OriginalMessage("LU2025BE000001", "LU"), findings, home="BE")
    return status.to_bytes(message)


RECORD = Finding(
    60002, "record", "AccountBalance is negative", ("LU2025BE-AR1",), ("AccountReport/AccountBalance",)
)


def test_validate_reads_the_status_messages_the_product_sends(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    findings = [file_error(50007, "schema"), RECORD, replace(RECORD, doc_ref_ids=("LU2025BE-AR2",))]
    result = validate_json(_status_message(findings), tmp_path, capsys)
    assert (result["format"], result["version"], codes(result)) == ("crs_status", "2.0", [])
    assert result["status_report"] == {
        "original_message_ref_id": "LU2025BE000001",
        "status": "Rejected",
        "file_errors": ["50007"],
        "record_errors": {"60002": 2},
        "validated_by": [status.VALIDATED_BY],
    }
    path = tmp_path / "answer.xml"
    path.write_bytes(_status_message([]))
    assert main(["validate", str(path)]) == 0
    out = capsys.readouterr().out
    assert "status message about MessageRefId LU2025BE000001: Accepted" in out
    assert "file errors: none" in out and "authenticated sender" not in out


def test_a_status_message_is_checked_against_its_schema(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = _status_message([RECORD]).replace(b"<csm:Status>Accepted<", b"<csm:Status>Maybe<")
    result = validate_json(broken, tmp_path, capsys)
    assert codes(result) == [50007] and "Status" in result["findings"][0]["message"]


def test_a_status_message_received_as_a_report_is_a_file_error() -> None:
    document = DocumentPass(PlainChunks([_status_message([])]), Settings(home_jurisdiction="BE"), None, "LU")
    document.start()
    found = [item for item in document.items() if isinstance(item, Finding)]
    assert [(f.code, f.message) for f in found] == [
        (50007, "the file is a status message (crs_status 2.0), not a report")
    ]
    assert document.header is None
