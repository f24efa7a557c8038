"""`exchange keys` and `exchange packet` through the real entry point."""

from __future__ import annotations

import io
import json
import shutil
import zipfile
from dataclasses import dataclass
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


@dataclass
class Authorities:
    """NL and BE, each with its own data dir, each holding the other's certificate; the CLI acts as one."""

    dirs: dict[str, Path]
    tmp: Path
    monkeypatch: pytest.MonkeyPatch
    capsys: pytest.CaptureFixture[str]

    def act_as(self, name: str) -> None:
        self.monkeypatch.setenv("EXCHANGE_DATA_DIR", str(self.dirs[name]))
        self.monkeypatch.setenv("EXCHANGE_HOME_JURISDICTION", name)

    def run(self, *argv: str) -> tuple[int, dict[str, Any], str]:
        return run(self.capsys, *argv)

    def nl_packet_for_be(self, size: int) -> tuple[int, dict[str, Any]]:
        """NL creates, through the CLI, a packet of a `size`-byte document for BE; the CLI then acts as BE."""
        document = self.tmp / f"report-{size}.xml"
        document.write_bytes(make_document(size))
        self.act_as("NL")
        code, created, _ = self.run(
            "packet", "create", str(document), "--to", "BE", "--out", str(self.tmp / "out"), "--json"
        )
        self.act_as("BE")
        return code, created

    def be_key(self) -> rsa.RSAPrivateKey:
        key = serialization.load_pem_private_key(
            (self.dirs["BE"] / "keys" / "BE" / "k1.key.pem").read_bytes(), None
        )
        assert isinstance(key, rsa.RSAPrivateKey)
        return key


@pytest.fixture
def both(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Authorities:
    authorities = Authorities({name: tmp_path / name for name in ("NL", "BE")}, tmp_path, monkeypatch, capsys)
    for name, data_dir in authorities.dirs.items():
        monkeypatch.setenv("EXCHANGE_DATA_DIR", str(data_dir))
        code, result, _ = run(capsys, "keys", "generate", name, "--name", "k1", "--json")
        assert code == 0 and result["identity"] == name
    for name, other in (("NL", "BE"), ("BE", "NL")):
        partner = authorities.dirs[other] / "partners" / name
        partner.mkdir(parents=True)
        shutil.copy(authorities.dirs[name] / "keys" / name / "k1.cert.pem", partner / "k1.cert.pem")
    return authorities


def test_keys_list(both: Authorities) -> None:
    both.act_as("BE")
    code, result, _ = both.run("keys", "list", "--json")
    assert code == 0
    assert [k["identity"] for k in result["keys"]] == ["BE"]
    assert [p["party"] for p in result["partners"]] == ["NL"]
    assert "PRIVATE" not in json.dumps(result)


def test_keys_generate_refuses_a_bad_identity(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["keys", "generate", "Belgium"]) == 2


def test_create_open_verify(both: Authorities, tmp_path: Path) -> None:
    code, created = both.nl_packet_for_be(20_000)
    assert code == 0 and created["c14n"] == "exclusive"
    packet = str(created["packet"])
    assert Path(packet).name.startswith("NL_CRS_")

    code, verified, _ = both.run("packet", "verify", packet, "--json")
    assert code == 0
    assert (verified["profile"], verified["sender"], verified["receiver"]) == ("cts", "NL", "BE")
    assert verified["signature"]["c14n"] == "exclusive" and verified["code"] is None

    code, _, _ = both.run("packet", "open", packet, "--out", str(tmp_path / "in"), "--json")
    assert code == 0
    names = sorted(p.name for p in (tmp_path / "in").iterdir())
    assert names == ["NL_CRS_Metadata.xml", "NL_CRS_Payload.xml"]
    assert b"NL2024BE0001" in (tmp_path / "in" / "NL_CRS_Payload.xml").read_bytes()

    code, _, _ = both.run("packet", "verify", packet)
    assert code == 0


def test_packet_failure_reports_its_code(both: Authorities, tmp_path: Path) -> None:
    _, created = both.nl_packet_for_be(5_000)
    packet = Path(str(created["packet"]))
    data = bytearray(packet.read_bytes())
    # Corrupt the end of the payload's ciphertext: the payload is the last entry before the directory.
    data[data.index(b"PK\x01\x02") - 40] ^= 0x80
    packet.write_bytes(bytes(data))

    code, result, _ = both.run("packet", "open", str(packet), "--out", str(tmp_path / "in"), "--json")
    assert code == 1
    assert result["ok"] is False and result["code"] in (50002, 50003, 50004) and result["sender"] == "NL", (
        result
    )
    assert not (tmp_path / "in").exists() or not any((tmp_path / "in").iterdir())  # nothing visible

    code, _, err = both.run("packet", "verify", str(packet))
    assert code == 1 and err.strip().splitlines()[-1].startswith("error: [500") and "Traceback" not in err


def test_unknown_sender_is_one_line(both: Authorities) -> None:
    _, created = both.nl_packet_for_be(1_000)
    shutil.rmtree(both.dirs["BE"] / "partners" / "NL")
    code, result, _ = both.run("packet", "verify", str(created["packet"]), "--json")
    assert code == 1 and result["code"] is None and "no certificate registered" in str(result["error"])


def _zero_bomb(megabytes: int) -> bytes:
    out = io.BytesIO()
    with (
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive,
        archive.open("NL_CRS_Payload.xml", "w") as entry,
    ):
        for _ in range(megabytes):
            entry.write(bytes(1 << 20))
    return out.getvalue()


def test_zip_bomb_is_answered_with_50003(both: Authorities, monkeypatch: pytest.MonkeyPatch) -> None:
    """A correctly encrypted packet whose inner ZIP of zeros inflates past the configured limit."""
    _, created = both.nl_packet_for_be(2_000)
    packet = Path(str(created["packet"]))
    packet.write_bytes(with_payload(packet.read_bytes(), both.be_key(), _zero_bomb(12)))

    monkeypatch.setenv("EXCHANGE_MAX_DECOMPRESSED_BYTES", str(8 << 20))
    monkeypatch.setenv("EXCHANGE_MAX_COMPRESSION_RATIO", "1000000")
    code, verified, _ = both.run("packet", "verify", str(packet), "--json")
    assert (code, verified["code"]) == (1, 50003) and "inflates beyond 8388608" in str(verified["error"])

    code, processed, _ = both.run("process", str(packet), "--json")
    assert code == 1 and processed["rejection_code"] == 50003, processed


def test_an_open_private_key_is_one_line_from_every_command(
    both: Authorities, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, created = both.nl_packet_for_be(1_000)
    packet = str(created["packet"])
    key_file = both.dirs["BE"] / "keys" / "BE" / "k1.key.pem"
    key_file.chmod(0o644)
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
        code, _, err = both.run(*argv)
        lines = err.strip().splitlines()
        assert code == 1 and len(lines) == 1, (argv, err)
        assert lines[0].startswith(f"error: private key {key_file} is open to group or others (mode 0644)")
    assert not (tmp_path / "in").exists()

    monkeypatch.setenv("EXCHANGE_ALLOW_INSECURE_KEY_FILES", "true")
    assert both.run("packet", "verify", packet)[0] == 0


def test_an_answer_is_named_by_its_own_metadata_and_opens_as_a_status_message(
    both: Authorities, tmp_path: Path
) -> None:
    _, created = both.nl_packet_for_be(2_000)
    answers = tmp_path / "answers"
    _, first, _ = both.run("process", str(created["packet"]), "--answer-dir", str(answers), "--json")
    _, again, _ = both.run("process", str(created["packet"]), "--json")  # a redelivery
    answer = Path(first["answer_path"])
    with zipfile.ZipFile(answer) as archive:
        (entry,) = [name for name in archive.namelist() if name.endswith("_Metadata.xml")]
        metadata = read_metadata(archive.read(entry))
    assert answer.name == metadata.sender_file_id == again["answer_filename"]
    assert answer.name.startswith("BE_CRSStatus_") and again["replayed"]

    both.act_as("NL")
    code, opened, _ = both.run("packet", "open", str(answer), "--out", str(tmp_path / "nl-in"), "--json")
    assert code == 0 and opened["communication_type"] == "CRSStatus"
    assert opened["inner_document"] == "BE_CRS_Payload.xml"  # CTS names it after the base module
    names = sorted(p.name for p in (tmp_path / "nl-in").iterdir())
    assert names == ["BE_CRSStatus_Metadata.xml", "BE_CRSStatus_Payload.xml"]
    status = (tmp_path / "nl-in" / "BE_CRSStatus_Payload.xml").read_bytes()
    assert b"<csm:CRSStatusMessage_OECD" in status and b"xmldsig" not in status


def test_open_as_an_identity_we_lack_names_that_identity(both: Authorities, tmp_path: Path) -> None:
    _, created = both.nl_packet_for_be(1_000)
    packet = str(created["packet"])
    code, _, err = both.run("packet", "open", packet, "--as", "LU", "--out", str(tmp_path / "in"))
    assert code == 1 and err.strip() == "error: we hold no private key for LU (our identities: BE)"

    giin = "98Q96B.00000.LE.056"
    assert both.run("keys", "generate", giin, "--name", "k2")[0] == 0
    code, result, _ = both.run("packet", "verify", packet, "--as", giin, "--json")
    assert (code, result["code"]) == (1, 50012)
    assert result["error"] == f"[50012] the packet holds no key file for {giin} (it is addressed to BE)"
    assert both.run("packet", "verify", packet, "--as", "be")[0] == 0


@pytest.fixture(autouse=True)
def _restore_logging() -> object:
    """main() points structlog at pytest's captured stream, which closes with the test."""
    import structlog

    yield
    structlog.reset_defaults()
