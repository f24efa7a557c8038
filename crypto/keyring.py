"""Our own receiver keys, several per identity at once so that keys can rotate without downtime.

Layout: see crypto/README.md. Each sub-folder of the keys directory is an identity we receive as
(an ISO country code for CTS, a GIIN for IDES); it holds private keys and their certificates, paired
by public key, whatever the file names. A private key file that group or others may read is refused
(one line naming it), unless the operator accepts that with `allow_insecure_key_files`.
"""

from __future__ import annotations

import stat
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa

from crypto.errors import KeyStoreError, KeyStoreUnusableError
from crypto.pem import (
    KEY_FILE_SUFFIXES,
    is_private_key_file,
    load_certificates,
    load_private_key,
    same_key,
)
from exchange.logs import get_logger

if TYPE_CHECKING:
    from exchange.settings import Settings

log = get_logger("crypto.keys")
# Permission bits that let anyone but the owner at a private key (read, or replace it).
_NOT_OWNER = stat.S_IRWXG | stat.S_IRWXO
_warned: set[Path] = set()  # keys accepted despite their mode: warned about once per process


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
    def load(cls, directory: Path, passphrase: str | None = None, *, allow_insecure: bool = False) -> Keyring:
        """Every identity's keys; raises KeyStoreUnusableError (one line, naming the file) if one cannot
        be used as it is on disk."""
        if not directory.is_dir():
            return cls()
        pairs: list[KeyPair] = []
        try:
            for folder in sorted(p for p in directory.iterdir() if p.is_dir()):
                pairs.extend(_load_identity(folder, passphrase, allow_insecure))
        except KeyStoreUnusableError:
            raise
        except KeyStoreError as exc:
            raise KeyStoreUnusableError(str(exc)) from None
        except OSError as exc:
            raise KeyStoreUnusableError(
                f"cannot read the keys directory {directory}: {exc.strerror}"
            ) from None
        return cls(pairs)

    @classmethod
    def from_settings(cls, settings: Settings) -> Keyring:
        passphrase = settings.key_passphrase.get_secret_value() if settings.key_passphrase else None
        return cls.load(
            settings.effective_keys_dir, passphrase, allow_insecure=settings.allow_insecure_key_files
        )

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


def check_key_file_mode(path: Path, allow_insecure: bool) -> None:
    """Refuse a private key file that anyone but its owner may read or write."""
    mode = stat.S_IMODE(path.stat().st_mode)
    if not mode & _NOT_OWNER:
        return
    if not allow_insecure:
        raise KeyStoreUnusableError(
            f"private key {path} is open to group or others (mode {mode:04o}): run `chmod 600 {path}`, "
            "or set EXCHANGE_ALLOW_INSECURE_KEY_FILES=true to accept it"
        )
    if path not in _warned:
        _warned.add(path)
        log.warning(
            "private key open to group or others, accepted by setting", file=str(path), mode=f"{mode:04o}"
        )


def _load_identity(folder: Path, passphrase: str | None, allow_insecure: bool) -> list[KeyPair]:
    keys: list[tuple[Path, rsa.RSAPrivateKey]] = []
    certificates: list[x509.Certificate] = []
    for path in sorted(p for p in folder.iterdir() if p.is_file()):
        if path.suffix.lower() in KEY_FILE_SUFFIXES and is_private_key_file(path.read_bytes()):
            check_key_file_mode(path, allow_insecure)
            keys.append((path, load_private_key(path, passphrase)))
        elif path.suffix.lower() in (".pem", ".crt", ".cer", ".der"):
            certificates.extend(load_certificates(path))
    pairs = []
    for path, key in keys:
        certificate = next((cert for cert in certificates if same_key(key, cert)), None)
        pairs.append(KeyPair(folder.name.upper(), key, certificate, source=path.name))
    return pairs
