"""Values the schema accepts but a record cannot hold (dates beyond the year 9999 or before 1), and counts
that mean nothing (a pool of -5 accounts): each has its finding, none is stored as unknown in silence."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.validation.documents import codes, lu_document, validate_json, with_pool_report

BIRTH = b"<crs:BirthDate>1980-05-17</crs:BirthDate>"
PERIOD = b"<crs:ReportingPeriod>2025-12-31</crs:ReportingPeriod>"


@pytest.fixture(autouse=True)
def _belgium_receives(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EXCHANGE_HOME_JURISDICTION", "BE")


def test_the_document_is_valid(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert codes(validate_json(lu_document(), tmp_path, capsys)) == []


@pytest.mark.parametrize("born", ["10000-01-01", "-0001-01-01", "1850-01-01", "2999-01-01", "0001-01-01"])
def test_every_birth_date_out_of_range_is_60014(
    born: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = lu_document().replace(BIRTH, f"<crs:BirthDate>{born}</crs:BirthDate>".encode())
    result = validate_json(document, tmp_path, capsys)
    assert codes(result) == [60014]
    finding = result["findings"][0]
    assert finding["field_paths"] == ["AccountReport/AccountHolder/Individual/BirthInfo/BirthDate"]
    assert born not in finding["message"]


@pytest.mark.parametrize("period", ["10000-12-31", "-2025-12-31"])
def test_a_reporting_period_no_date_can_hold_rejects_the_file_and_says_why(
    period: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = lu_document().replace(PERIOD, f"<crs:ReportingPeriod>{period}</crs:ReportingPeriod>".encode())
    result = validate_json(document, tmp_path, capsys)
    assert codes(result) == [50007]
    assert "ReportingPeriod" in result["findings"][0]["message"]
    assert "0001 to 9999" in result["findings"][0]["message"]


def test_a_timestamp_at_the_midnight_that_ends_a_day_is_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = lu_document().replace(b"2026-03-01T09:30:00", b"2026-02-28T24:00:00")
    assert codes(validate_json(document, tmp_path, capsys)) == []


@pytest.mark.parametrize(
    ("count", "expected"), [("-5", [60010, 98001]), ("0", [60010, 98001]), ("3", [60010])]
)
def test_a_crs_pool_report_with_no_accounts_in_it(
    count: str, expected: list[int], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = validate_json(with_pool_report(lu_document(), count), tmp_path, capsys)
    assert codes(result) == expected
    assert result["findings"][-1]["doc_ref_ids"] == ["LU2025BE-PR1"]
