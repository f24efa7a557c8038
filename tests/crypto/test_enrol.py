"""Adding partner certificates and importing our key pairs: everything given is checked first."""

from __future__ import annotations

import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from crypto.certs import generate_key_pair
from crypto.enrol import add_partner_certificate, import_key_pair
from crypto.errors import KeyStoreError
from crypto.expiry import validity
from crypto.keyring import Keyring
from crypto.pem import certificate_pem, private_key_pem
from crypto.truststore import TrustStore
from tests.crypto.helpers import Party

NOW = datetime.now(UTC)


def _write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def _pem(tmp_path: Path, certificate: x509.Certificate, name: str = "given.pem") -> Path:
    return _write(tmp_path / "given" / name, certificate_pem(certificate))


def _der(tmp_path: Path, certificate: x509.Certificate) -> Path:
    return _write(tmp_path / "given" / "given.der", certificate.public_bytes(serialization.Encoding.DER))


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize("form", ["pem", "der"])
def test_a_partner_certificate_is_added_where_the_trust_store_reads_it(
    tmp_path: Path, parties: dict[str, Party], form: str
) -> None:
    certificate = parties["NL"].certificate
    source = _pem(tmp_path, certificate) if form == "pem" else _der(tmp_path, certificate)
    partners = tmp_path / "partners"
    enrolled = add_partner_certificate(partners, "nl", source)
    (written,) = enrolled.files
    assert enrolled.party == "NL" and written.parent == partners / "NL" and not enrolled.notes
    assert TrustStore.load(partners).certificates("NL") == [certificate]
    assert _mode(partners) == _mode(partners / "NL") == 0o700


def test_a_giin_is_a_party_too(tmp_path: Path, parties: dict[str, Party]) -> None:
    enrolled = add_partner_certificate(
        tmp_path / "p", "000000.00000.TA.840", _pem(tmp_path, parties["NL"].certificate)
    )
    assert enrolled.files[0].parent.name == "000000.00000.TA.840"


@pytest.mark.parametrize("party", ["Belgium", "B", "BEL", "000000.00000.TO.840", "../NL", ""])
def test_a_party_must_be_a_country_code_or_a_giin(
    tmp_path: Path, parties: dict[str, Party], party: str
) -> None:
    with pytest.raises(KeyStoreError, match="is not a two-letter ISO 3166 country code"):
        add_partner_certificate(tmp_path / "p", party, _pem(tmp_path, parties["NL"].certificate))
    assert not (tmp_path / "p").exists()


def test_an_expired_certificate_is_refused(tmp_path: Path, parties: dict[str, Party]) -> None:
    with pytest.raises(KeyStoreError, match=r"given.pem expired at \d{4}-\d\d-\d\d"):
        add_partner_certificate(tmp_path / "p", "NL", _pem(tmp_path, parties["NL-expired"].certificate))


def test_a_certificate_not_yet_valid_is_taken_with_a_note(tmp_path: Path) -> None:
    _, later = generate_key_pair("NL", not_before=NOW + timedelta(days=20))
    enrolled = add_partner_certificate(tmp_path / "p", "NL", _pem(tmp_path, later))
    assert len(enrolled.notes) == 1 and enrolled.notes[0].startswith("not valid before")


def test_a_weak_key_is_refused(tmp_path: Path) -> None:
    _, weak = generate_key_pair("NL", key_size=1024)
    with pytest.raises(KeyStoreError, match="1024-bit RSA key: at least 2048 bits"):
        add_partner_certificate(tmp_path / "p", "NL", _pem(tmp_path, weak))


def test_what_is_not_one_certificate_is_refused(tmp_path: Path, parties: dict[str, Party]) -> None:
    junk = _write(tmp_path / "junk.crt", b"\x30\x82 not DER at all")
    with pytest.raises(KeyStoreError, match=r"^junk.crt is not an X.509 certificate \(PEM or DER\)$"):
        add_partner_certificate(tmp_path / "p", "NL", junk)
    both = certificate_pem(parties["NL"].certificate) + certificate_pem(parties["LU"].certificate)
    with pytest.raises(KeyStoreError, match="holds 2 certificates"):
        add_partner_certificate(tmp_path / "p", "NL", _write(tmp_path / "chain.pem", both))


def test_a_certificate_is_registered_once_for_one_party(tmp_path: Path, parties: dict[str, Party]) -> None:
    source = _pem(tmp_path, parties["NL"].certificate)
    first = add_partner_certificate(tmp_path / "p", "NL", source)
    for party in ("NL", "LU"):  # under LU as well, it would let NL sign as LU
        with pytest.raises(KeyStoreError, match=f"registered already, as NL/{first.files[0].name}"):
            add_partner_certificate(tmp_path / "p", party, source, name="another")


def test_an_existing_file_is_never_replaced(tmp_path: Path, parties: dict[str, Party]) -> None:
    add_partner_certificate(tmp_path / "p", "NL", _pem(tmp_path, parties["NL"].certificate), name="current")
    kept = (tmp_path / "p" / "NL" / "current.pem").read_bytes()
    with pytest.raises(KeyStoreError, match=r"current\.pem exists already: choose another --name"):
        add_partner_certificate(
            tmp_path / "p", "NL", _pem(tmp_path, parties["LU"].certificate), name="current"
        )
    assert (tmp_path / "p" / "NL" / "current.pem").read_bytes() == kept


@pytest.mark.parametrize("name", ["../evil", "a/b", ".hidden", ""])
def test_a_name_is_a_file_name(tmp_path: Path, parties: dict[str, Party], name: str) -> None:
    with pytest.raises(KeyStoreError, match="must be letters, digits"):
        add_partner_certificate(
            tmp_path / "p", "NL", _pem(tmp_path, parties["NL"].certificate), name=name or " "
        )


def _key_file(
    tmp_path: Path, key: rsa.RSAPrivateKey, *, der: bool = False, passphrase: str | None = None
) -> Path:
    if der:
        data = key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        return _write(tmp_path / "given" / "given.key.der", data)
    return _write(tmp_path / "given" / "given.key", private_key_pem(key, passphrase))


@pytest.mark.parametrize("form", ["pem", "der"])
def test_a_key_pair_is_imported_into_the_keyring(
    tmp_path: Path, parties: dict[str, Party], form: str
) -> None:
    party = parties["BE"]
    keys = tmp_path / "keys"
    enrolled = import_key_pair(
        keys,
        "be",
        _key_file(tmp_path, party.key, der=form == "der"),
        _pem(tmp_path, party.certificate),
        passphrase=None,
    )
    key_path, _ = enrolled.files
    assert _mode(key_path) == 0o600 and _mode(keys) == _mode(keys / "BE") == 0o700
    pair = Keyring.load(keys).signing_pair("BE")
    assert pair.certificate == party.certificate and pair.source == key_path.name
    assert any("open to group or others" in note for note in enrolled.notes)  # the given file was 0644


def test_the_keyring_passphrase_reads_and_protects(tmp_path: Path, parties: dict[str, Party]) -> None:
    party = parties["BE"]
    source = _key_file(tmp_path, party.key, passphrase="s3cret")
    source.chmod(0o600)
    enrolled = import_key_pair(
        tmp_path / "k", "BE", source, _pem(tmp_path, party.certificate), passphrase="s3cret"
    )
    assert b"ENCRYPTED" in enrolled.files[0].read_bytes() and not enrolled.notes
    assert Keyring.load(tmp_path / "k", "s3cret").identities() == ["BE"]
    with pytest.raises(KeyStoreError, match="passphrase-protected: set EXCHANGE_KEY_PASSPHRASE"):
        import_key_pair(tmp_path / "k2", "BE", source, _pem(tmp_path, party.certificate), passphrase=None)


def test_a_key_must_belong_to_its_certificate(tmp_path: Path, parties: dict[str, Party]) -> None:
    with pytest.raises(
        KeyStoreError, match=r"given\.key is not the private key of the certificate given\.pem"
    ):
        key, certificate = _key_file(tmp_path, parties["BE"].key), _pem(tmp_path, parties["NL"].certificate)
        import_key_pair(tmp_path / "k", "BE", key, certificate, passphrase=None)
    assert not (tmp_path / "k").exists()


def test_an_import_is_checked_like_a_partner_certificate(tmp_path: Path, parties: dict[str, Party]) -> None:
    expired = parties["NL-expired"]
    with pytest.raises(KeyStoreError, match="expired at"):
        import_key_pair(
            tmp_path / "k",
            "NL",
            _key_file(tmp_path, expired.key),
            _pem(tmp_path, expired.certificate),
            passphrase=None,
        )
    weak_key, weak_certificate = generate_key_pair("BE", key_size=1024)
    with pytest.raises(KeyStoreError, match="1024-bit RSA key"):
        import_key_pair(
            tmp_path / "k",
            "BE",
            _key_file(tmp_path, weak_key),
            _pem(tmp_path, weak_certificate),
            passphrase=None,
        )
    with pytest.raises(KeyStoreError, match="not a PEM or DER key"):
        certificate = _pem(tmp_path, parties["BE"].certificate)
        import_key_pair(tmp_path / "k", "BE", certificate, certificate, passphrase=None)


def test_a_key_is_imported_once(tmp_path: Path, parties: dict[str, Party]) -> None:
    party = parties["BE"]
    given = (_key_file(tmp_path, party.key), _pem(tmp_path, party.certificate))
    first = import_key_pair(tmp_path / "k", "BE", *given, passphrase=None, name="2026")
    with pytest.raises(KeyStoreError, match=r"in the keyring already, beside BE/2026\.cert\.pem"):
        import_key_pair(tmp_path / "k", "BE", *given, passphrase=None, name="again")
    other = parties["BE-old"]
    with pytest.raises(KeyStoreError, match=r"2026\.key\.pem exists already"):
        given = (_key_file(tmp_path, other.key), _pem(tmp_path, other.certificate))
        import_key_pair(tmp_path / "k", "BE", *given, passphrase=None, name="2026")
    assert first.files[0].read_bytes() == private_key_pem(party.key, None)


def test_expiry_warnings() -> None:
    _, certificate = generate_key_pair("NL", not_before=NOW - timedelta(days=700), days=712)
    assert validity(certificate, NOW, 30).warning == "expires in 11 days"
    assert validity(certificate, NOW, 10).warning is None
    assert validity(certificate, NOW + timedelta(days=14), 30).warning == "expired 2 days ago"
    assert validity(certificate, NOW - timedelta(days=701), 30).status == "not yet valid"
