"""A set of exchanging authorities with their keys and each other's certificates, in folders.

The demo, the tests and the benchmarks need several authorities that trust each other (the Benelux:
BE, NL, LU). Each gets `<root>/<CC>/keys/<CC>/` (its own key pair) and `<root>/<CC>/partners/<other>/`
(the others' certificates), the layout `exchange` reads through its settings.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from crypto.certs import generate_key_pair, write_key_pair
from crypto.keyring import Keyring
from crypto.pem import certificate_pem
from crypto.truststore import TrustStore


@dataclass(frozen=True)
class AuthorityFolders:
    jurisdiction: str
    keys_dir: Path
    partners_dir: Path

    def keyring(self, passphrase: str | None = None) -> Keyring:
        return Keyring.load(self.keys_dir, passphrase)

    def trust(self) -> TrustStore:
        return TrustStore.load(self.partners_dir)


def provision_authorities(
    root: Path, jurisdictions: Iterable[str], *, key_size: int = 2048
) -> dict[str, AuthorityFolders]:
    """Make a key pair per jurisdiction and give every one the certificates of all the others."""
    codes = [code.upper() for code in jurisdictions]
    certificates = {}
    folders = {}
    for code in codes:
        home = root / code
        if home.exists():
            shutil.rmtree(home)
        key, certificate = generate_key_pair(code, key_size=key_size)
        write_key_pair(home / "keys", code, "current", key, certificate)
        certificates[code] = certificate
        folders[code] = AuthorityFolders(code, home / "keys", home / "partners")
    for code in codes:
        for other in codes:
            if other != code:
                target = folders[code].partners_dir / other
                target.mkdir(parents=True, exist_ok=True)
                (target / "current.pem").write_bytes(certificate_pem(certificates[other]))
    return folders
