"""`exchange keys` and `exchange packet` through the real entry point."""

from __future__ import annotations

import io
import json
import shutil
import zipfile
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from crypto.metadata import read_metadata
from exchange.cli.main import main
from tests.crypto.helpers import make_document, with_payload


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any], str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    lines = captured.out.strip()
    data = json.loads(lines[lines.index("{") :]) if "{" in lines else {}
    return code, data, captured.err


@pytest.fixture
def two_authorities(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> dict[str, Path]:
    """NL and BE, each with its own data dir, each holding the other's certificate."""
    dirs = {name: tmp_path / name for name in ("NL", "BE")}
    for name, data_dir in dirs.items():
        monkeypatch.setenv("EXCHANGE_DATA_DIR", str(data_dir))
        code, result, _ = run(capsys, "keys", "generate", name, "--name", "k1", "--json")
        assert code == 0 and result["identity"] == name
    for name, other in (("NL", "BE"), ("BE", "NL")):
        partner = dirs[other] / "partners" / name
        partner.mkdir(parents=True)
        shutil.copy(dirs[name] / "keys" / name / "k1.cert.pem", partner / "k1.cert.pem")
    return dirs


def nl_packet_for_be(
    authorities: dict[str, Path],
    out: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    size: int,
) -> tuple[int, dict[str, Any]]:
    """NL creates, through the CLI, a packet of a `size`-byte document for BE."""
    document = out.parent / f"report-{size}.xml"
    document.write_bytes(make_document(size))
    monkeypatch.setenv("EXCHANGE_DATA_DIR", str(authorities["NL"]))
    monkeypatch.setenv("EXCHANGE_HOME_JURISDICTION", "NL")
    code, created, _ = run(
        capsys, "packet", "create", str(document), "--to", "BE", "--out", str(out), "--json"
    )
    return code, created


def test_keys_list(
    two_authorities: dict[str, Path], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("EXCHANGE_DATA_DIR", str(two_authorities["BE"]))
    code, result, _ = run(capsys, "keys", "list", "--json")
    assert code == 0
    assert [k["identity"] for k in result["keys"]] == ["BE"]
    assert [p["party"] for p in result["partners"]] == ["NL"]
    assert "PRIVATE" not in json.dumps(result)


def test_keys_generate_refuses_a_bad_identity(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["keys", "generate", "Belgium"]) == 2


def test_create_open_verify(
    two_authorities: dict[str, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, created = nl_packet_for_be(two_authorities, tmp_path / "out", monkeypatch, capsys, 20_000)
    assert code == 0 and created["c14n"] == "exclusive"
    packet = str(created["packet"])
    assert Path(packet).name.startswith("NL_CRS_")

    monkeypatch.setenv("EXCHANGE_DATA_DIR", str(two_authorities["BE"]))
    monkeypatch.setenv("EXCHANGE_HOME_JURISDICTION", "BE")
    code, verified, _ = run(capsys, "packet", "verify", packet, "--json")
    assert code == 0
    assert (verified["profile"], verified["sender"], verified["receiver"]) == ("cts", "NL", "BE")
    assert verified["signature"]["c14n"] == "exclusive" and verified["code"] is None

    code, _, _ = run(capsys, "packet", "open", packet, "--out", str(tmp_path / "in"), "--json")
    assert code == 0
    names = sorted(p.name for p in (tmp_path / "in").iterdir())
    assert names == ["NL_CRS_Metadata.xml", "NL_CRS_Payload.xml"]
    assert b"NL2024BE0001" in (tmp_path / "in" / "NL_CRS_Payload.xml").read_bytes()

    code, _, _ = run(capsys, "packet", "verify", packet)
    assert code == 0


def test_packet_failure_reports_its_code(
    two_authorities: dict[str, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, created = nl_packet_for_be(two_authorities, tmp_path / "out", monkeypatch, capsys, 5_000)
    packet = Path(str(created["packet"]))
    data = bytearray(packet.read_bytes())
    # Corrupt the end of the payload's ciphertext: the payload is the last entry before the directory.
    data[data.index(b"PK\x01\x02") - 40] ^= 0x80
    packet.write_bytes(bytes(data))

    monkeypatch.setenv("EXCHANGE_DATA_DIR", str(two_authorities["BE"]))
    code, result, _ = run(capsys, "packet", "open", str(packet), "--out", str(tmp_path / "in"), "--json")
    assert code == 1
    assert result["ok"] is False and result["code"] in (50002, 50003, 50004) and result["sender"] == "NL", (
        result
    )
    assert not (tmp_path / "in").exists() or not any((tmp_path / "in").iterdir())  # nothing visible

    code, _, err = run(capsys, "packet", "verify", str(packet))
    assert code == 1 and err.strip().splitlines()[-1].startswith("error: [500") and "Traceback" not in err


def test_unknown_sender_is_one_line(
    two_authorities: dict[str, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, created = nl_packet_for_be(two_authorities, tmp_path / "out", monkeypatch, capsys, 1_000)
    shutil.rmtree(two_authorities["BE"] / "partners" / "NL")
    monkeypatch.setenv("EXCHANGE_DATA_DIR", str(two_authorities["BE"]))
    code, result, _ = run(capsys, "packet", "verify", str(created["packet"]), "--json")
    assert code == 1 and result["code"] is None and "no certificate registered" in str(result["error"])


def _be_key(authorities: dict[str, Path]) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(
        (authorities["BE"] / "keys" / "BE" / "k1.key.pem").read_bytes(), None
    )
    assert isinstance(key, rsa.RSAPrivateKey)
    return key


def _zero_bomb(megabytes: int) -> bytes:
    out = io.BytesIO()
    with (
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive,
        archive.open("NL_CRS_Payload.xml", "w") as entry,
    ):
        for _ in range(megabytes):
            entry.write(bytes(1 << 20))
    return out.getvalue()


def test_zip_bomb_is_answered_with_50003(
    two_authorities: dict[str, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A correctly encrypted packet whose inner ZIP of zeros inflates past the configured limit."""
    _, created = nl_packet_for_be(two_authorities, tmp_path / "out", monkeypatch, capsys, 2_000)
    packet = Path(str(created["packet"]))
    packet.write_bytes(with_payload(packet.read_bytes(), _be_key(two_authorities), _zero_bomb(12)))

    monkeypatch.setenv("EXCHANGE_DATA_DIR", str(two_authorities["BE"]))
    monkeypatch.setenv("EXCHANGE_HOME_JURISDICTION", "BE")
    monkeypatch.setenv("EXCHANGE_MAX_DECOMPRESSED_BYTES", str(8 << 20))
    monkeypatch.setenv("EXCHANGE_MAX_COMPRESSION_RATIO", "1000000")
    code, verified, _ = run(capsys, "packet", "verify", str(packet), "--json")
    assert (code, verified["code"]) == (1, 50003) and "inflates beyond 8388608" in str(verified["error"])

    code, processed, _ = run(capsys, "process", str(packet), "--json")
    assert code == 1 and processed["rejection_code"] == 50003, processed


def test_an_open_private_key_is_one_line_from_every_command(
    two_authorities: dict[str, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, created = nl_packet_for_be(two_authorities, tmp_path / "out", monkeypatch, capsys, 1_000)
    packet = str(created["packet"])
    key_file = two_authorities["BE"] / "keys" / "BE" / "k1.key.pem"
    key_file.chmod(0o644)
    monkeypatch.setenv("EXCHANGE_DATA_DIR", str(two_authorities["BE"]))
    monkeypatch.setenv("EXCHANGE_HOME_JURISDICTION", "BE")
    monkeypatch.setenv("EXCHANGE_KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9")  # `run` must stop before Kafka
    commands = [
        ["keys", "list"],
        ["packet", "verify", packet],
        ["packet", "open", packet, "--out", str(tmp_path / "in")],
        ["packet", "create", packet, "--to", "NL", "--out", str(tmp_path / "out2")],
        ["process", packet],
        ["run"],
    ]
    for argv in commands:
        code, _, err = run(capsys, *argv)
        lines = err.strip().splitlines()
        assert code == 1 and len(lines) == 1, (argv, err)
        assert lines[0].startswith(f"error: private key {key_file} is open to group or others (mode 0644)")
    assert not (tmp_path / "in").exists()

    monkeypatch.setenv("EXCHANGE_ALLOW_INSECURE_KEY_FILES", "true")
    assert run(capsys, "packet", "verify", packet)[0] == 0


def test_an_answer_is_named_by_its_own_metadata_and_opens_as_a_status_message(
    two_authorities: dict[str, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, created = nl_packet_for_be(two_authorities, tmp_path / "out", monkeypatch, capsys, 2_000)
    monkeypatch.setenv("EXCHANGE_DATA_DIR", str(two_authorities["BE"]))
    monkeypatch.setenv("EXCHANGE_HOME_JURISDICTION", "BE")
    answers = tmp_path / "answers"
    _, first, _ = run(capsys, "process", str(created["packet"]), "--answer-dir", str(answers), "--json")
    _, again, _ = run(capsys, "process", str(created["packet"]), "--json")  # a redelivery
    answer = Path(first["answer_path"])
    with zipfile.ZipFile(answer) as archive:
        (entry,) = [name for name in archive.namelist() if name.endswith("_Metadata.xml")]
        metadata = read_metadata(archive.read(entry))
    assert answer.name == metadata.sender_file_id == again["answer_filename"]
    assert answer.name.startswith("BE_CRSStatus_") and again["replayed"]

    monkeypatch.setenv("EXCHANGE_DATA_DIR", str(two_authorities["NL"]))
    monkeypatch.setenv("EXCHANGE_HOME_JURISDICTION", "NL")
    code, opened, _ = run(capsys, "packet", "open", str(answer), "--out", str(tmp_path / "nl-in"), "--json")
    assert code == 0 and opened["communication_type"] == "CRSStatus"
    assert opened["inner_document"] == "BE_CRS_Payload.xml"  # CTS names it after the base module
    names = sorted(p.name for p in (tmp_path / "nl-in").iterdir())
    assert names == ["BE_CRSStatus_Metadata.xml", "BE_CRSStatus_Payload.xml"]
    status = (tmp_path / "nl-in" / "BE_CRSStatus_Payload.xml").read_bytes()
    assert b"<csm:CRSStatusMessage_OECD" in status and b"xmldsig" not in status


def test_open_as_an_identity_we_lack_names_that_identity(
    two_authorities: dict[str, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, created = nl_packet_for_be(two_authorities, tmp_path / "out", monkeypatch, capsys, 1_000)
    packet = str(created["packet"])
    monkeypatch.setenv("EXCHANGE_DATA_DIR", str(two_authorities["BE"]))
    monkeypatch.setenv("EXCHANGE_HOME_JURISDICTION", "BE")
    code, _, err = run(capsys, "packet", "open", packet, "--as", "LU", "--out", str(tmp_path / "in"))
    assert code == 1 and err.strip() == "error: we hold no private key for LU (our identities: BE)"

    giin = "98Q96B.00000.LE.056"
    assert run(capsys, "keys", "generate", giin, "--name", "k2")[0] == 0
    code, result, _ = run(capsys, "packet", "verify", packet, "--as", giin, "--json")
    assert (code, result["code"]) == (1, 50012)
    assert result["error"] == f"[50012] the packet holds no key file for {giin} (it is addressed to BE)"
    assert run(capsys, "packet", "verify", packet, "--as", "be")[0] == 0


@pytest.fixture(autouse=True)
def _restore_logging() -> object:
    """main() points structlog at pytest's captured stream, which closes with the test."""
    import structlog

    yield
    structlog.reset_defaults()
