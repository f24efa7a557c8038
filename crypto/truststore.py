"""Partner certificates per jurisdiction: whom we accept signatures from and encrypt status messages for.

Layout: see crypto/README.md. Each sub-folder of the partners directory is a party (ISO country code
or GIIN) and holds its certificates; several at once is how a partner rotates (each is trusted within
its own validity period). Removing a file is how a certificate is revoked.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from cryptography import x509

from crypto.errors import KeyStoreError, KeyStoreUnusableError, UnknownPartnerError
from crypto.pem import CERTIFICATE_FILE_SUFFIXES, load_certificates

if TYPE_CHECKING:
    from exchange.settings import Settings


@dataclass(frozen=True)
class PartnerCertificate:
    party: str
    certificate: x509.Certificate
    source: str = ""


class TrustStore:
    def __init__(self, entries: Iterable[PartnerCertificate] = ()) -> None:
        self._entries: dict[str, list[PartnerCertificate]] = {}
        for entry in entries:
            self._entries.setdefault(entry.party.upper(), []).append(entry)

    @classmethod
    def load(cls, directory: Path) -> TrustStore:
        """Every partner's certificates; raises KeyStoreUnusableError (one line) if a file cannot be read."""
        entries: list[PartnerCertificate] = []
        try:
            if directory.is_dir():
                for folder in sorted(p for p in directory.iterdir() if p.is_dir()):
                    for path in sorted(folder.iterdir()):
                        if path.is_file() and path.suffix.lower() in CERTIFICATE_FILE_SUFFIXES:
                            entries.extend(
                                PartnerCertificate(folder.name.upper(), cert, path.name)
                                for cert in load_certificates(path)
                            )
        except KeyStoreError as exc:
            raise KeyStoreUnusableError(f"partner certificates: {exc}") from None
        except OSError as exc:
            raise KeyStoreUnusableError(
                f"cannot read the partners directory {directory}: {exc.strerror}"
            ) from None
        return cls(entries)

    @classmethod
    def from_settings(cls, settings: Settings) -> TrustStore:
        return cls.load(settings.effective_partners_dir)

    def parties(self) -> list[str]:
        return sorted(self._entries)

    def entries(self, party: str | None = None) -> list[PartnerCertificate]:
        if party is not None:
            return list(self._entries.get(party.upper(), []))
        return [entry for key in sorted(self._entries) for entry in self._entries[key]]

    def certificates(self, party: str) -> list[x509.Certificate]:
        return [entry.certificate for entry in self.entries(party)]

    def encryption_certificate(self, party: str, moment: datetime | None = None) -> x509.Certificate:
        """The partner's newest certificate valid now: what packets to it are encrypted for."""
        moment = moment or datetime.now(UTC)
        valid = [
            c for c in self.certificates(party) if c.not_valid_before_utc <= moment <= c.not_valid_after_utc
        ]
        if not valid:
            raise UnknownPartnerError(f"no currently valid certificate for partner {party.upper()}")
        return max(valid, key=lambda cert: cert.not_valid_before_utc)
