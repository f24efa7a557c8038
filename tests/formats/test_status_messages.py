"""Each format's own status message: built by exchange.status, valid against its schema in xsd/, recognised
by `exchange validate`, and sent back to a DPI sender signed and encrypted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lxml import etree

from exchange.cli.main import main
from exchange.formats import cbcstm_v2, csm_v2, detect, dsm_v1, load_schema
from exchange.formats.spec import FormatSpec
from exchange.status import (
    CBC_STATUS,
    CRS_STATUS,
    DPI_STATUS,
    OriginalMessage,
    StatusProfile,
    build_status_message,
    profile_for,
    to_bytes,
)
from exchange.validation.findings import Finding
from tests.formats.dpi_documents import dpi_document, header
from tests.formats.packets import opened_answer, process, seal_as
from tests.validation.packets import Receiver

FINDINGS = [
    Finding(code=50007, level="file", message="the schema says no"),
    Finding(code=80002, level="record", message="unknown", doc_ref_ids=("NL1",), field_paths=("X/DocSpec",)),
]
PROFILES = [(CRS_STATUS, csm_v2.SPEC), (DPI_STATUS, dsm_v1.SPEC), (CBC_STATUS, cbcstm_v2.SPEC)]


@pytest.mark.parametrize(("profile", "spec"), PROFILES, ids=lambda value: getattr(value, "root", ""))
def test_each_status_message_fits_its_schema_and_is_detected(
    profile: StatusProfile, spec: FormatSpec
) -> None:
    message = build_status_message(OriginalMessage("NL2025BE-1", "NL"), FINDINGS, home="BE", profile=profile)
    assert message.tag == f"{{{profile.namespace}}}{profile.root}"
    load_schema(spec).assertValid(message)
    assert detect(to_bytes(message)).spec is spec


def test_the_profile_follows_the_format_answered() -> None:
    assert profile_for("dpi") is DPI_STATUS and profile_for("cbc") is CBC_STATUS
    assert profile_for("crs") is CRS_STATUS and profile_for("fatca") is CRS_STATUS
    assert profile_for(None, "DPI") is DPI_STATUS and profile_for(None, "CBCStatus") is CBC_STATUS
    assert profile_for(None, "CRS") is CRS_STATUS


def test_validate_prints_the_dpi_status_message(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    file = tmp_path / "dpi.xml"
    file.write_bytes(dpi_document())
    assert main(["validate", "--json", "--status-message", str(file)]) == 0
    result = json.loads(capsys.readouterr().out)
    message = etree.fromstring(result["status_message"].encode())
    assert message.tag == f"{{{DPI_STATUS.namespace}}}DPIStatusMessage_OECD"
    load_schema(dsm_v1.SPEC).assertValid(message)
    answer = tmp_path / "answer.xml"
    answer.write_bytes(result["status_message"].encode())
    capsys.readouterr()
    assert main(["validate", "--json", str(answer)]) == 0
    assert json.loads(capsys.readouterr().out)["format"] == "dpi_status"


def test_a_dpi_sender_gets_the_dpi_status_message(belgium: Receiver) -> None:
    _, accepted = process(belgium, seal_as(belgium, dpi_document(), "DPI"))
    kind, message = opened_answer(accepted, belgium.benelux["NL"])
    assert kind == "DPIStatus" and message.tag == f"{{{DPI_STATUS.namespace}}}DPIStatusMessage_OECD"
    load_schema(dsm_v1.SPEC).assertValid(message)
    broken = dpi_document(head=header("NL2025BE-DPI-0009")).replace(b"DPI401", b"DPI409")
    _, rejected = process(belgium, seal_as(belgium, broken, "DPI"))
    assert rejected["outcome"] == "rejected"
    kind, message = opened_answer(rejected, belgium.benelux["NL"])
    assert kind == "DPIStatus" and str(message.tag).endswith("DPIStatusMessage_OECD")
    codes = [code.text for code in message.iter(f"{{{DPI_STATUS.namespace}}}Code")]
    assert codes == ["50007"]
