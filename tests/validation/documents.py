"""Documents made in code for the validation tests, and `exchange validate` run on them.

`lu_document()` is a valid CRS v2.0 file from Luxembourg to Belgium (the rule tests' defaults, written by
the demo's writer); the tests change it a few bytes at a time.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from exchange.cli.main import main
from exchange.writers.crs import crs_bytes
from tests.rules import builders

POOL_REPORT = (
    b"<crs:PoolReport><ftc:DocSpec><stf:DocTypeIndic>OECD1</stf:DocTypeIndic>"
    b"<stf:DocRefId>LU2025BE-PR1</stf:DocRefId></ftc:DocSpec><ftc:AccountCount>{count}</ftc:AccountCount>"
    b"<ftc:AccountPoolReportType>FATCA201</ftc:AccountPoolReportType>"
    b'<ftc:PoolBalance currCode="EUR">900.00</ftc:PoolBalance></crs:PoolReport>'
)


def lu_document() -> bytes:
    return crs_bytes(builders.header(), builders.reporting_fi(), (builders.account_report(),))


def with_pool_report(document: bytes, count: str) -> bytes:
    """The document with a PoolReport (FATCA's, which CRS v2.0's schema admits) after its AccountReport."""
    pool = POOL_REPORT.replace(b"{count}", count.encode())
    head, _, tail = document.rpartition(b"</crs:ReportingGroup>")
    head = head.replace(b"<crs:CRS_OECD ", b'<crs:CRS_OECD xmlns:ftc="urn:oecd:ties:fatca:v1" ', 1)
    return head + pool + b"</crs:ReportingGroup>" + tail


def validate_json(document: bytes, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    """`exchange validate --json` on the document, as Belgium receives it."""
    path = tmp_path / "document.xml"
    path.write_bytes(document)
    capsys.readouterr()
    exit_code = main(["validate", "--json", str(path)])
    result: dict[str, Any] = json.loads(capsys.readouterr().out)
    assert exit_code == (1 if result["findings"] else 0)
    return result


def codes(result: dict[str, Any]) -> list[int]:
    return [finding["code"] for finding in result["findings"]]
