"""Keyring and trust store loaded from their directories (layout in crypto/README.md)."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import structlog

from crypto.certs import generate_key_pair, write_key_pair
from crypto.errors import KeyStoreError, KeyStoreUnusableError, UnknownPartnerError
from crypto.keyring import Keyring
from crypto.pem import certificate_pem
from crypto.truststore import TrustStore
from exchange.errors import ServiceUnavailableError
from exchange.logs import configure_logging
from exchange.settings import Settings
from tests.crypto.helpers import Party


def test_keyring_with_rotation_and_passphrase(tmp_path: Path) -> None:
    old_key, old_cert = generate_key_pair("BE", not_before=datetime.now(UTC) - timedelta(days=400))
    new_key, new_cert = generate_key_pair("BE")
    write_key_pair(tmp_path, "BE", "2024", old_key, old_cert, passphrase="s3cret")
    write_key_pair(tmp_path, "BE", "2025", new_key, new_cert, passphrase="s3cret")
    keyring = Keyring.load(tmp_path, "s3cret")
    assert keyring.identities() == ["BE"]
    assert len(keyring.private_keys("BE")) == 2
    assert keyring.signing_pair("BE").certificate == new_cert  # the newest valid certificate signs
    assert (tmp_path / "BE" / "2025.key.pem").stat().st_mode & 0o777 == 0o600


def test_wrong_or_missing_passphrase_never_shows_key_material(tmp_path: Path) -> None:
    key, cert = generate_key_pair("BE")
    key_path, _ = write_key_pair(tmp_path, "BE", "k", key, cert, passphrase="right")
    for passphrase in ("wrong", None):
        with pytest.raises(KeyStoreError) as caught:
            Keyring.load(tmp_path, passphrase)
        message = str(caught.value)
        assert "k.key.pem" in message and "right" not in message and "BEGIN" not in message
        assert key_path.read_text()[40:80] not in message


def test_existing_files_are_never_overwritten(tmp_path: Path) -> None:
    key, cert = generate_key_pair("BE")
    write_key_pair(tmp_path, "BE", "k", key, cert)
    with pytest.raises(KeyStoreError, match="exists"):
        write_key_pair(tmp_path, "BE", "k", key, cert)


def test_trust_store_layout_and_validity(tmp_path: Path, parties: dict[str, Party]) -> None:
    (tmp_path / "NL").mkdir()
    (tmp_path / "NL" / "2023.crt").write_bytes(certificate_pem(parties["NL-expired"].certificate))
    (tmp_path / "NL" / "2025.pem").write_bytes(certificate_pem(parties["NL"].certificate))
    (tmp_path / "lu").mkdir()
    (tmp_path / "lu" / "cert.pem").write_bytes(certificate_pem(parties["LU"].certificate))
    trust = TrustStore.load(tmp_path)
    assert trust.parties() == ["LU", "NL"]
    assert len(trust.certificates("nl")) == 2
    assert trust.encryption_certificate("NL") == parties["NL"].certificate
    with pytest.raises(UnknownPartnerError):
        trust.encryption_certificate("FR")


def test_missing_directories_are_empty(tmp_path: Path) -> None:
    assert Keyring.load(tmp_path / "nope").identities() == []
    assert TrustStore.load(tmp_path / "nope").parties() == []


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o620, 0o644])
def test_a_private_key_open_to_others_is_refused_naming_the_file(tmp_path: Path, mode: int) -> None:
    key, cert = generate_key_pair("BE")
    key_path, _ = write_key_pair(tmp_path, "BE", "k", key, cert)
    key_path.chmod(mode)
    with pytest.raises(KeyStoreUnusableError) as caught:
        Keyring.load(tmp_path)
    message = str(caught.value)
    assert str(key_path) in message and f"{mode:04o}" in message and "chmod 600" in message
    assert "\n" not in message and "BEGIN" not in message
    assert isinstance(caught.value, ServiceUnavailableError)  # a consumer waits for the fix


@pytest.mark.parametrize("mode", [0o600, 0o400])
def test_owner_only_keys_load(tmp_path: Path, mode: int) -> None:
    key, cert = generate_key_pair("BE")
    key_path, _ = write_key_pair(tmp_path, "BE", "k", key, cert)
    key_path.chmod(mode)
    assert Keyring.load(tmp_path).identities() == ["BE"]


def test_an_open_key_is_accepted_with_a_warning_when_the_setting_says_so(tmp_path: Path) -> None:
    key, cert = generate_key_pair("BE")
    key_path, _ = write_key_pair(tmp_path / "keys", "BE", "k", key, cert)
    key_path.chmod(0o644)
    stream = io.StringIO()
    configure_logging(level="info", fmt="json", stream=stream)
    try:
        settings = Settings(data_dir=tmp_path, allow_insecure_key_files=True)
        assert Keyring.from_settings(settings).identities() == ["BE"]
        Keyring.from_settings(settings)  # loaded again (per packet): warned about once
    finally:
        structlog.reset_defaults()
    warnings = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [(w["event"], w["file"], w["mode"]) for w in warnings] == [
        ("private key open to group or others, accepted by setting", str(key_path), "0644")
    ]
    with pytest.raises(KeyStoreUnusableError):
        Keyring.from_settings(Settings(data_dir=tmp_path))


def test_an_unreadable_partner_certificate_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "NL").mkdir()
    (tmp_path / "NL" / "broken.pem").write_text("-----BEGIN CERTIFICATE-----\nnot base64\n")
    with pytest.raises(KeyStoreUnusableError, match=r"^partner certificates: broken.pem is not an X.509"):
        TrustStore.load(tmp_path)
