"""Our own receiver keys, several per identity at once so that keys can rotate without downtime.

Layout: see crypto/README.md. Each sub-folder of the keys directory is an identity we receive as
(an ISO country code for CTS, a GIIN for IDES); it holds private keys and their certificates, paired
by public key, whatever the file names.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa

from crypto.errors import KeyStoreError
from crypto.pem import (
    KEY_FILE_SUFFIXES,
    is_private_key_file,
    load_certificates,
    load_private_key,
    same_key,
)


@dataclass(frozen=True)
class KeyPair:
    identity: str
    private_key: rsa.RSAPrivateKey = field(repr=False)
    certificate: x509.Certificate | None
    source: str = ""

    def valid_at(self, moment: datetime) -> bool:
        cert = self.certificate
        return cert is not None and cert.not_valid_before_utc <= moment <= cert.not_valid_after_utc


def _newest_first(pair: KeyPair) -> datetime:
    return pair.certificate.not_valid_before_utc if pair.certificate else datetime.min.replace(tzinfo=UTC)


class Keyring:
    def __init__(self, pairs: Iterable[KeyPair] = ()) -> None:
        self._pairs: dict[str, list[KeyPair]] = {}
        for pair in pairs:
            self._pairs.setdefault(pair.identity.upper(), []).append(pair)
        for identity_pairs in self._pairs.values():
            identity_pairs.sort(key=_newest_first, reverse=True)

    @classmethod
    def load(cls, directory: Path, passphrase: str | None = None) -> Keyring:
        if not directory.is_dir():
            return cls()
        pairs: list[KeyPair] = []
        for folder in sorted(p for p in directory.iterdir() if p.is_dir()):
            pairs.extend(_load_identity(folder, passphrase))
        return cls(pairs)

    def identities(self) -> list[str]:
        return sorted(self._pairs)

    def pairs(self, identity: str | None = None) -> list[KeyPair]:
        if identity is not None:
            return list(self._pairs.get(identity.upper(), []))
        return [pair for key in sorted(self._pairs) for pair in self._pairs[key]]

    def private_keys(self, identity: str) -> list[rsa.RSAPrivateKey]:
        return [pair.private_key for pair in self.pairs(identity)]

    def signing_pair(self, identity: str, moment: datetime | None = None) -> KeyPair:
        """The newest pair whose certificate is valid now: what outbound packets are signed with."""
        moment = moment or datetime.now(UTC)
        for pair in self.pairs(identity):
            if pair.valid_at(moment):
                return pair
        raise KeyStoreError(f"no private key with a currently valid certificate for {identity.upper()}")


def _load_identity(folder: Path, passphrase: str | None) -> list[KeyPair]:
    keys: list[tuple[Path, rsa.RSAPrivateKey]] = []
    certificates: list[x509.Certificate] = []
    for path in sorted(p for p in folder.iterdir() if p.is_file()):
        if path.suffix.lower() in KEY_FILE_SUFFIXES and is_private_key_file(path.read_bytes()):
            keys.append((path, load_private_key(path, passphrase)))
        elif path.suffix.lower() in (".pem", ".crt", ".cer", ".der"):
            certificates.extend(load_certificates(path))
    pairs = []
    for path, key in keys:
        certificate = next((cert for cert in certificates if same_key(key, cert)), None)
        pairs.append(KeyPair(folder.name.upper(), key, certificate, source=path.name))
    return pairs
