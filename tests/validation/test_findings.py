"""The shape of a finding, shared with the business rules and the store."""

from __future__ import annotations

import dataclasses
import json

import pytest

from exchange.validation.codes import FileErrorCode
from exchange.validation.findings import Finding, file_error


def test_a_finding_carries_what_the_status_message_needs() -> None:
    finding = Finding(
        code=60002,
        level="record",
        message="AccountBalance must not be negative",
        doc_ref_ids=("ES1",),
        field_paths=("CrsBody/ReportingGroup/AccountReport/AccountBalance",),
        line=90,
        path="/CRS_OECD/CrsBody[1]/ReportingGroup[1]/AccountReport[2]/AccountBalance[1]",
    )
    assert not finding.rejects_file
    assert finding.details() == (
        "line 90, /CRS_OECD/CrsBody[1]/ReportingGroup[1]/AccountReport[2]/AccountBalance[1]: "
        "AccountBalance must not be negative"
    )
    assert json.loads(json.dumps(finding.to_dict()))["doc_ref_ids"] == ["ES1"]


def test_findings_are_frozen_and_hashable() -> None:
    finding = file_error(FileErrorCode.FAILED_THREAT_SCAN, "DOCTYPE")
    with pytest.raises(dataclasses.FrozenInstanceError):
        finding.code = 50007  # type: ignore[misc]
    assert len({finding, file_error(50005, "DOCTYPE")}) == 1
    assert type(finding.code) is int  # an IntEnum member is stored as the plain code


def test_without_a_place_the_details_are_the_message() -> None:
    assert file_error(50007, "the file is empty").details() == "the file is empty"


@pytest.mark.parametrize(
    ("code", "level"),
    [(50007, "record"), (60002, "file"), (80000, "file"), (12345, "file"), (50007, "message")],
)
def test_codes_and_levels_must_agree(code: int, level: str) -> None:
    with pytest.raises(ValueError):
        Finding(code=code, level=level, message="x")  # type: ignore[arg-type]


@pytest.mark.parametrize("level", ["file", "record"])
def test_domestic_and_custom_codes_take_either_level(level: str) -> None:
    assert Finding(code=99999, level=level, message="custom").level == level  # type: ignore[arg-type]
