"""Keyring and trust store loaded from their directories (layout in crypto/README.md)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from crypto.certs import generate_key_pair, write_key_pair
from crypto.errors import KeyStoreError, UnknownPartnerError
from crypto.keyring import Keyring
from crypto.pem import certificate_pem
from crypto.truststore import TrustStore
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
