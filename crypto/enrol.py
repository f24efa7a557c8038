"""Adding a partner's certificate or one of our key pairs, after checking what the operator gave.

What `exchange partners add` and `exchange keys import` do, so that nobody needs to learn the folder
layout (crypto/README.md) to get it right: the files must parse (PEM or DER), hold RSA keys of at least
2048 bits, a certificate must not be expired (one not yet valid is taken, with a note), a key must
belong to its certificate, and nothing already there is replaced or registered twice. Keys are written
with mode 0600 in folders with mode 0700; no key material is ever echoed.
"""

from __future__ import annotations

import re
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa

from crypto.errors import KeyStoreError
from crypto.expiry import fingerprint
from crypto.party import PARTY_FORMAT, party_identifier
from crypto.pem import (
    CERTIFICATE_FILE_SUFFIXES,
    certificate_pem,
    load_certificates,
    load_private_key,
    private_key_pem,
    same_key,
)
from crypto.safe_files import PRIVATE_FILE_MODE, PUBLIC_FILE_MODE, private_directory, write_new_file
from crypto.truststore import TrustStore

# NIST SP 800-57 and the CTS/IDES profiles: RSA below 2048 bits is no longer acceptable.
MIN_RSA_BITS = 2048
_FILE_STEM = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


@dataclass(frozen=True)
class Enrolled:
    """What was written, and what the operator should know about it."""

    party: str
    files: tuple[Path, ...]
    certificate: x509.Certificate
    notes: tuple[str, ...] = ()


def checked_party(text: str) -> str:
    identifier = party_identifier(text)
    if identifier is None:
        raise KeyStoreError(f"{text!r} is not {PARTY_FORMAT}")
    return identifier


def read_certificate(path: Path) -> x509.Certificate:
    """The one certificate in a PEM or DER file."""
    try:
        certificates = load_certificates(path)
    except OSError as exc:
        raise KeyStoreError(f"cannot read {path}: {exc.strerror}") from None
    if len(certificates) != 1:
        raise KeyStoreError(
            f"{path.name} holds {len(certificates)} certificates: give one file per certificate"
        )
    return certificates[0]


def read_private_key(path: Path, passphrase: str | None) -> rsa.RSAPrivateKey:
    try:
        return load_private_key(path, passphrase)
    except OSError as exc:
        raise KeyStoreError(f"cannot read {path}: {exc.strerror}") from None


def certificate_notes(certificate: x509.Certificate, moment: datetime, what: str) -> list[str]:
    """Refuse an expired or weak certificate; a note for one not yet valid."""
    public = certificate.public_key()
    if not isinstance(public, rsa.RSAPublicKey):
        raise KeyStoreError(f"{what} does not hold an RSA key: packets need RSA")
    if public.key_size < MIN_RSA_BITS:
        raise KeyStoreError(
            f"{what} holds a {public.key_size}-bit RSA key: at least {MIN_RSA_BITS} bits needed"
        )
    if certificate.not_valid_after_utc < moment:
        raise KeyStoreError(f"{what} expired at {certificate.not_valid_after_utc:%Y-%m-%d %H:%M}Z")
    if certificate.not_valid_before_utc > moment:
        return [f"not valid before {certificate.not_valid_before_utc:%Y-%m-%d %H:%M}Z: used from then on"]
    return []


def _stem(name: str | None, certificate: x509.Certificate) -> str:
    stem = name or f"{certificate.not_valid_before_utc:%Y-%m-%d}-{fingerprint(certificate)[:8]}"
    if not _FILE_STEM.fullmatch(stem):
        raise KeyStoreError(
            f"--name {stem!r} must be letters, digits, '.', '_' or '-' (a file name, not a path)"
        )
    return stem


def _registered_elsewhere(trust: TrustStore, certificate: x509.Certificate) -> str | None:
    wanted = fingerprint(certificate)
    for entry in trust.entries():
        if fingerprint(entry.certificate) == wanted:
            return f"{entry.party}/{entry.source}"
    return None


def add_partner_certificate(
    partners_dir: Path, party: str, source: Path, *, name: str | None = None, moment: datetime | None = None
) -> Enrolled:
    """Register `source` as a certificate of `party` (a partner jurisdiction or GIIN)."""
    party = checked_party(party)
    certificate = read_certificate(source)
    notes = certificate_notes(certificate, moment or datetime.now(UTC), source.name)
    existing = _registered_elsewhere(TrustStore.load(partners_dir), certificate)
    if existing is not None:
        # One certificate, one party: the same certificate under two parties would let one sign as the other.
        raise KeyStoreError(f"this certificate is registered already, as {existing}")
    folder = private_directory(partners_dir / party)
    target = write_new_file(
        folder / f"{_stem(name, certificate)}.pem", certificate_pem(certificate), PUBLIC_FILE_MODE
    )
    return Enrolled(party, (target,), certificate, tuple(notes))


def _certificates_in(folder: Path) -> Iterable[tuple[Path, x509.Certificate]]:
    if not folder.is_dir():
        return
    for path in sorted(folder.iterdir()):
        if path.is_file() and path.suffix.lower() in CERTIFICATE_FILE_SUFFIXES:
            try:
                certificates = load_certificates(path)
            except KeyStoreError:
                continue  # a private key file (.pem) or another file: not a certificate to compare with
            for certificate in certificates:
                yield path, certificate


def import_key_pair(
    keys_dir: Path,
    identity: str,
    key_source: Path,
    certificate_source: Path,
    *,
    passphrase: str | None,
    name: str | None = None,
    moment: datetime | None = None,
) -> Enrolled:
    """Copy one of our key pairs into the keyring under `identity`, written with the keyring's passphrase."""
    identity = checked_party(identity)
    key = read_private_key(key_source, passphrase)
    certificate = read_certificate(certificate_source)
    if key.key_size < MIN_RSA_BITS:
        raise KeyStoreError(
            f"{key_source.name} is a {key.key_size}-bit RSA key: at least {MIN_RSA_BITS} bits needed"
        )
    if not same_key(key, certificate):
        raise KeyStoreError(
            f"{key_source.name} is not the private key of the certificate {certificate_source.name}"
        )
    notes = certificate_notes(certificate, moment or datetime.now(UTC), certificate_source.name)
    folder = keys_dir / identity
    for path, existing in _certificates_in(folder):
        if same_key(key, existing):
            raise KeyStoreError(f"this key is in the keyring already, beside {identity}/{path.name}")
    stem = _stem(name, certificate)
    key_path, cert_path = folder / f"{stem}.key.pem", folder / f"{stem}.cert.pem"
    for path in (key_path, cert_path):
        if path.exists():
            raise KeyStoreError(f"{path} exists already: choose another --name (nothing was replaced)")
    private_directory(folder)
    write_new_file(key_path, private_key_pem(key, passphrase), PRIVATE_FILE_MODE)
    try:
        write_new_file(cert_path, certificate_pem(certificate), PUBLIC_FILE_MODE)
    except BaseException:
        key_path.unlink(missing_ok=True)  # a key without its certificate would only confuse
        raise
    if stat.S_IMODE(key_source.stat().st_mode) & (stat.S_IRWXG | stat.S_IRWXO):
        notes.append(f"the source {key_source} is open to group or others: delete it now that it is imported")
    return Enrolled(identity, (key_path, cert_path), certificate, tuple(notes))
