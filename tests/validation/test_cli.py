"""`exchange validate FILE`: format, verdict, findings with codes and lines; exit 0, 1 or 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lxml import etree

from exchange.cli.main import main


@pytest.fixture(autouse=True)
def _germany_receives(monkeypatch: pytest.MonkeyPatch) -> None:
    """The official sample goes from Spain to Germany: validate it as Germany would."""
    monkeypatch.setenv("EXCHANGE_HOME_JURISDICTION", "DE")


@pytest.fixture
def sample(standards_dir: Path) -> Path:
    return standards_dir / "samples/crs/valid-2.0.xml"


@pytest.fixture
def broken(sample: Path, tmp_path: Path) -> Path:
    path = tmp_path / "broken.xml"
    path.write_bytes(sample.read_bytes().replace(b'currCode="EUR">1500.00', b'currCode="EUR">1500.001'))
    return path


def test_a_valid_file_exits_0(sample: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(sample)]) == 0
    out = capsys.readouterr().out
    assert "crs 2.0 (urn:oecd:ties:crs:v2)" in out
    assert "verdict: valid" in out


def test_findings_exit_1_with_code_and_line(broken: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(broken)]) == 1
    out = capsys.readouterr().out
    assert "verdict: 1 finding" in out
    assert "50007  line 50 /CRS_OECD/CrsBody[1]/ReportingGroup[1]/AccountReport[1]/AccountBalance[1]:" in out


def test_json_output(broken: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--json", str(broken)]) == 1
    result = json.loads(capsys.readouterr().out)
    assert (result["format"], result["version"], result["valid"]) == ("crs", "2.0", False)
    assert result["findings"][0]["code"] == 50007
    assert result["findings"][0]["line"] == 50
    assert result["message_ref_id"] == "ES2025DE0000000001"


def test_the_status_message_that_would_be_sent(
    broken: Path, capsys: pytest.CaptureFixture[str], our_csm_v2: etree.XMLSchema
) -> None:
    assert main(["validate", "--json", "--status-message", str(broken)]) == 1
    result = json.loads(capsys.readouterr().out)
    message = etree.fromstring(result["status_message"].encode())
    assert our_csm_v2.validate(message)
    assert result["status"] == "Rejected"
    ns = "{urn:oecd:ties:csm:v2}"
    assert message.findtext(f"{ns}MessageSpec/{ns}ReceivingCountry") == "ES"
    assert message.findtext(f"{ns}MessageSpec/{ns}TransmittingCountry") == "DE"  # the home jurisdiction


def test_the_status_message_in_text_mode(sample: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--status-message", str(sample)]) == 0
    out = capsys.readouterr().out
    assert "<csm:Status>Accepted</csm:Status>" in out


def test_a_file_that_does_not_name_its_sender_needs_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    garbage = tmp_path / "garbage.xml"
    garbage.write_bytes(b"not xml")
    assert main(["validate", "--status-message", str(garbage)]) == 2
    assert "--sender" in capsys.readouterr().err
    assert main(["validate", "--status-message", "--sender", "nl", str(garbage)]) == 1
    assert "<csm:OriginalMessageRefID>UNKNOWN</csm:OriginalMessageRefID>" in capsys.readouterr().out


def test_threats_are_reported_too(sample: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    hostile = tmp_path / "hostile.xml"
    hostile.write_bytes(
        sample.read_bytes().replace(b"<crs:CRS_OECD", b'<!DOCTYPE x [<!ENTITY e "x">]><crs:CRS_OECD', 1)
    )
    assert main(["validate", str(hostile)]) == 1
    assert "50005" in capsys.readouterr().out


def test_an_unknown_format_is_a_finding(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    carf = tmp_path / "carf.xml"  # CARF (DAC8) is not read yet
    carf.write_bytes(b'<carf:CARF_OECD xmlns:carf="urn:oecd:ties:carf:v1" version="1.0"/>')
    assert main(["validate", str(carf)]) == 1
    out = capsys.readouterr().out
    assert "unknown format" in out and "50007" in out


@pytest.mark.parametrize("how", ["option", "setting"])
def test_the_official_schemas_can_be_used_instead(
    how: str,
    broken: Path,
    standards_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    args = ["validate", "--json", str(broken)]
    if how == "option":
        args[1:1] = ["--schema-dir", str(standards_dir / "xsd")]
    else:
        monkeypatch.setenv("EXCHANGE_SCHEMA_DIR", str(standards_dir / "xsd"))
    assert main(args) == 1
    assert json.loads(capsys.readouterr().out)["findings"][0]["line"] == 50


@pytest.mark.parametrize(
    "args",
    [["validate"], ["validate", "/no/such/file.xml"], ["validate", "--bogus", "x.xml"]],
    ids=["no file", "missing file", "unknown option"],
)
def test_usage_errors_exit_2(args: list[str]) -> None:
    assert main(args) == 2


def test_business_rules_run_too(sample: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    negative = tmp_path / "negative.xml"
    negative.write_bytes(sample.read_bytes().replace(b'currCode="EUR">1500.00', b'currCode="EUR">-1500.00'))
    assert main(["validate", "--json", str(negative)]) == 1
    result = json.loads(capsys.readouterr().out)
    assert [(f["code"], f["doc_ref_ids"]) for f in result["findings"]] == [(60002, ["ESAR20250001"])]
    assert result["records"] == 4


def test_a_file_for_another_receiver_is_50012(
    sample: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EXCHANGE_HOME_JURISDICTION", "BE")
    assert main(["validate", "--json", str(sample)]) == 1
    assert [f["code"] for f in json.loads(capsys.readouterr().out)["findings"]] == [50012]


def test_history_rules_with_the_store(
    sample: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Against an empty store, the sample's corrections name nothing known: 80002 needs --store."""
    correction = tmp_path / "correction.xml"
    text = sample.read_bytes().replace(b"CRS701", b"CRS702")
    text = text.replace(
        b"<stf:DocTypeIndic>OECD1</stf:DocTypeIndic>\n          <stf:DocRefId>ESAR20250001</stf:DocRefId>",
        b"<stf:DocTypeIndic>OECD2</stf:DocTypeIndic>\n          <stf:DocRefId>ESAR20250001B</stf:DocRefId>"
        b"\n          <stf:CorrDocRefId>ESAR20250001</stf:CorrDocRefId>",
    )
    correction.write_bytes(text)
    monkeypatch.setenv("EXCHANGE_DATABASE_URL", f"sqlite:///{tmp_path / 'store.db'}")
    assert main(["db", "upgrade"]) == 0
    capsys.readouterr()
    main(["validate", "--json", str(correction)])
    without = {f["code"] for f in json.loads(capsys.readouterr().out)["findings"]}
    main(["validate", "--json", "--store", str(correction)])
    with_store = {f["code"] for f in json.loads(capsys.readouterr().out)["findings"]}
    assert 80002 not in without and 80002 in with_store
