"""Reading key and certificate files (PEM or DER) without ever echoing their contents."""

from __future__ import annotations

from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from crypto.errors import KeyStoreError

KEY_FILE_SUFFIXES = (".pem", ".key")
CERTIFICATE_FILE_SUFFIXES = (".pem", ".crt", ".cer", ".der")


def is_private_key_file(data: bytes) -> bool:
    return b"PRIVATE KEY-----" in data


def load_certificates(path: Path) -> list[x509.Certificate]:
    data = path.read_bytes()
    try:
        if b"-----BEGIN CERTIFICATE-----" in data:
            return x509.load_pem_x509_certificates(data)
        return [x509.load_der_x509_certificate(data)]
    except ValueError:
        raise KeyStoreError(f"{path.name} is not an X.509 certificate (PEM or DER)") from None


def load_private_key(path: Path, passphrase: str | None) -> rsa.RSAPrivateKey:
    """A PEM private key (or DER, for files an operator imports), PKCS#8 or traditional."""
    data = path.read_bytes()
    password = passphrase.encode() if passphrase else None
    load = serialization.load_pem_private_key if b"-----BEGIN" in data else serialization.load_der_private_key
    try:
        key = load(data, password)
    except TypeError:
        if password is None:
            raise KeyStoreError(f"{path.name} is passphrase-protected: set EXCHANGE_KEY_PASSPHRASE") from None
        key = load(data, None)  # a plain key beside protected ones
    except ValueError:
        # cryptography's message can quote the structure it failed on; keep it out of logs.
        raise KeyStoreError(
            f"cannot read the private key {path.name}: wrong passphrase or not a PEM or DER key"
        ) from None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise KeyStoreError(f"{path.name} is not an RSA key; packets need RSA")
    return key


def private_key_pem(key: rsa.RSAPrivateKey, passphrase: str | None) -> bytes:
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(passphrase.encode())
        if passphrase
        else serialization.NoEncryption()
    )
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)


def certificate_pem(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.PEM)


def same_key(private_key: rsa.RSAPrivateKey, certificate: x509.Certificate) -> bool:
    public = certificate.public_key()
    return (
        isinstance(public, rsa.RSAPublicKey)
        and public.public_numbers() == private_key.public_key().public_numbers()
    )
