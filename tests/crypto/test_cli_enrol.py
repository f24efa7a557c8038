"""`exchange partners add/list` and `exchange keys import` through the real entry point."""

from __future__ import annotations

import json
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from crypto.certs import generate_key_pair
from crypto.expiry import fingerprint
from crypto.pem import certificate_pem, private_key_pem
from exchange.cli.main import main
from tests.crypto.helpers import Party

NOW = datetime.now(UTC)


@pytest.fixture(autouse=True)
def _be(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> object:
    monkeypatch.setenv("EXCHANGE_DATA_DIR", str(tmp_path / "be"))
    import structlog

    yield
    structlog.reset_defaults()  # main() points structlog at pytest's captured stream


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, Any, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    data = json.loads(captured.out) if "--json" in argv and captured.out.startswith("{") else captured.out
    return code, data, captured.err


def _file(tmp_path: Path, name: str, data: bytes) -> str:
    path = tmp_path / "given" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return str(path)


def test_partners_add_then_list(
    tmp_path: Path, parties: dict[str, Party], capsys: pytest.CaptureFixture[str]
) -> None:
    source = _file(tmp_path, "nl.crt", certificate_pem(parties["NL"].certificate))
    code, added, _ = run(capsys, "partners", "add", "nl", source, "--json")
    assert code == 0 and added["party"] == "NL" and added["notes"] == []
    (written,) = added["files"]
    assert Path(written).parent == tmp_path / "be" / "partners" / "NL"

    _, soon = generate_key_pair("NL", not_before=NOW - timedelta(days=100), days=110)
    assert run(capsys, "partners", "add", "NL", _file(tmp_path, "soon.pem", certificate_pem(soon)))[0] == 0
    code, listed, _ = run(capsys, "partners", "list", "--json")
    assert code == 0 and listed["warning_days"] == 30
    (nl,) = listed["partners"]
    assert nl["valid_now"] and [c["warning"] for c in nl["certificates"]] == [None, "expires in 9 days"]
    first = nl["certificates"][0]
    assert first["fingerprint"] == fingerprint(parties["NL"].certificate)
    assert {"subject", "not_before", "not_after", "days_left", "status", "file"} <= set(first)

    code, text, _ = run(capsys, "partners", "list")
    assert code == 0 and "NL\n" in text and "warning: " in text and "expires in 9 days" in text


def test_partners_list_warns_of_a_partner_without_a_valid_certificate(
    tmp_path: Path,
    parties: dict[str, Party],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    folder = tmp_path / "be" / "partners" / "LU"
    folder.mkdir(parents=True)
    (folder / "old.pem").write_bytes(certificate_pem(parties["NL-expired"].certificate))  # dropped in by hand
    monkeypatch.setenv("EXCHANGE_CERTIFICATE_EXPIRY_WARNING_DAYS", "5")
    code, listed, _ = run(capsys, "partners", "list", "--json")
    (lu,) = listed["partners"]
    assert code == 0 and not lu["valid_now"] and listed["warning_days"] == 5
    assert lu["warnings"][0].startswith("old.pem: expired ") and lu["warnings"][0].endswith(" days ago")
    assert lu["warnings"][1] == "no certificate valid now: its packets cannot be verified nor answered"


def test_bad_input_is_one_line(
    tmp_path: Path, parties: dict[str, Party], capsys: pytest.CaptureFixture[str]
) -> None:
    certificate = _file(tmp_path, "nl.pem", certificate_pem(parties["NL"].certificate))
    expired = _file(tmp_path, "old.pem", certificate_pem(parties["NL-expired"].certificate))
    junk = _file(tmp_path, "junk.der", b"junk")
    key = _file(tmp_path, "be.key", private_key_pem(parties["BE"].key, None))
    for argv, message in [
        (["partners", "add", "NL", junk], "error: junk.der is not an X.509 certificate (PEM or DER)"),
        (["partners", "add", "NL", expired], "error: old.pem expired at "),
        (["partners", "add", "NL", key], "error: be.key is not an X.509 certificate"),
        (
            ["keys", "import", "BE", key, certificate],
            "error: be.key is not the private key of the certificate",
        ),
        (["keys", "import", "BE", certificate, certificate], "error: cannot read the private key nl.pem"),
    ]:
        code, _, err = run(capsys, *argv)
        assert code == 1 and len(err.strip().splitlines()) == 1 and err.startswith(message), (argv, err)
    assert not (tmp_path / "be" / "partners").exists() and not (tmp_path / "be" / "keys").exists()
    for command in ("partners", "keys"):
        assert (
            run(capsys, command, "add" if command == "partners" else "import", "Belgium", certificate, key)[0]
            == 2
        )


def test_keys_import_then_list(
    tmp_path: Path, parties: dict[str, Party], capsys: pytest.CaptureFixture[str]
) -> None:
    be = parties["BE"]
    key_text = private_key_pem(be.key, None)
    key = _file(tmp_path, "be.key", key_text)
    certificate = _file(tmp_path, "be.crt", certificate_pem(be.certificate))
    code, imported, err = run(capsys, "keys", "import", "BE", key, certificate, "--name", "2026", "--json")
    assert code == 0, err
    key_path, cert_path = (Path(p) for p in imported["files"])
    assert (key_path.name, cert_path.name) == ("2026.key.pem", "2026.cert.pem")
    assert stat.S_IMODE(key_path.stat().st_mode) == 0o600
    assert stat.S_IMODE(key_path.parent.stat().st_mode) == 0o700
    assert imported["notes"] == [
        f"the source {key} is open to group or others: delete it now that it is imported"
    ]
    shown = json.dumps(imported)
    assert "PRIVATE" not in shown and key_text.decode().splitlines()[1] not in shown

    code, listed, _ = run(capsys, "keys", "list", "--json")
    assert code == 0 and [(k["identity"], k["file"], k["status"]) for k in listed["keys"]] == [
        ("BE", "2026.key.pem", "valid")
    ]
    code, _, err = run(capsys, "keys", "import", "BE", key, certificate, "--name", "2027")
    assert code == 1 and err.strip() == "error: this key is in the keyring already, beside BE/2026.cert.pem"


@pytest.mark.parametrize(
    "argv", [["partners"], ["partners", "add"], ["partners", "list"], ["keys", "import"]]
)
def test_help(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    assert main([*argv, "--help"]) == 0
    assert "Usage: exchange" in capsys.readouterr().out
