"""Key pairs and self-signed certificates for a jurisdiction: for tests, the demo and first setup.

Production certificates come from the exchange network's own process; these are for everything else.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from crypto.errors import KeyStoreError
from crypto.pem import certificate_pem, private_key_pem
from crypto.safe_files import PRIVATE_FILE_MODE, PUBLIC_FILE_MODE, private_directory, write_new_file


def generate_key_pair(
    identity: str,
    *,
    key_size: int = 2048,
    not_before: datetime | None = None,
    days: int = 730,
) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=key_size)
    start = not_before or datetime.now(UTC) - timedelta(minutes=5)
    attributes = [x509.NameAttribute(NameOID.COMMON_NAME, f"exchange {identity}")]
    if re.fullmatch(r"[A-Z]{2}", identity):
        attributes.append(x509.NameAttribute(NameOID.COUNTRY_NAME, identity))
    name = x509.Name(attributes)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=True,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    return key, certificate


def write_key_pair(
    directory: Path,
    identity: str,
    name: str,
    key: rsa.RSAPrivateKey,
    certificate: x509.Certificate,
    passphrase: str | None = None,
) -> tuple[Path, Path]:
    """Write `<dir>/<identity>/<name>.key.pem` (mode 0600) and `<name>.cert.pem`, in folders created with
    mode 0700; never overwrite."""
    folder = directory / identity.upper()
    key_path, cert_path = folder / f"{name}.key.pem", folder / f"{name}.cert.pem"
    for path in (key_path, cert_path):
        if path.exists():
            raise KeyStoreError(f"{path} exists already: choose another --name (nothing was replaced)")
    private_directory(folder)
    write_new_file(key_path, private_key_pem(key, passphrase), PRIVATE_FILE_MODE)
    write_new_file(cert_path, certificate_pem(certificate), PUBLIC_FILE_MODE)
    return key_path, cert_path
