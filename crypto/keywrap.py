"""The AES key and IV of a packet, wrapped under the receiver's RSA key (FACTS §4).

Unwrapping is done on the raw RSA result rather than with `cryptography`'s PKCS#1 v1.5 decrypt: with
OpenSSL >= 3.2 that call performs implicit rejection and returns random bytes of random length for a
wrong key, which makes a wrong key (50002) indistinguishable from a key blob of the wrong size (50013).
A padding failure never raises here: like implicit rejection, it yields a synthetic key derived from
the ciphertext, so it fails later, in AES decryption, on the same path and with the same error as a
corrupt ciphertext. The residual signal (50013 means "conformant padding, wrong length") is inherent in
the OECD codes; only a registered partner receives our status messages, so only it could probe it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from crypto.errors import FileErrorCode, PacketError

AES_KEY_BYTES = 32
IV_BYTES = 16
KEY_AND_IV_BYTES = AES_KEY_BYTES + IV_BYTES
MAX_KEY_ENTRY_BYTES = 2048  # RSA-16384; real packets use 256 (RSA-2048) or 512 (RSA-4096)


@dataclass(frozen=True)
class ContentKey:
    """AES-256 key and CBC IV of one payload. `rejected`: synthetic, decryption must fail."""

    key: bytes = field(repr=False)
    iv: bytes = field(repr=False)
    rejected: bool = field(default=False, repr=False)

    @classmethod
    def generate(cls) -> ContentKey:
        return cls(secrets.token_bytes(AES_KEY_BYTES), secrets.token_bytes(IV_BYTES))


class KeyTransport:
    PKCS1V15 = "pkcs1v15"
    OAEP = "oaep"


def wrap_key(
    content_key: ContentKey, public_key: rsa.RSAPublicKey, transport: str = KeyTransport.PKCS1V15
) -> bytes:
    """The `_Key` entry for one receiver (PKCS#1 v1.5 as CTS and IDES do, or OAEP with SHA-256)."""
    secret = content_key.key + content_key.iv
    if transport == KeyTransport.OAEP:
        return public_key.encrypt(secret, _oaep(hashes.SHA256()))
    return public_key.encrypt(secret, padding.PKCS1v15())


def _oaep(algorithm: hashes.HashAlgorithm) -> padding.OAEP:
    return padding.OAEP(mgf=padding.MGF1(algorithm), algorithm=algorithm, label=None)


def _raw_rsa(private_key: rsa.RSAPrivateKey, blob: bytes) -> bytes | None:
    """c^d mod n with blinding (the exponentiation's timing then says nothing about the key)."""
    numbers = private_key.private_numbers()
    public = numbers.public_numbers
    size = (public.n.bit_length() + 7) // 8
    c = int.from_bytes(blob, "big")
    if len(blob) != size or c >= public.n:
        return None
    while True:
        r = secrets.randbelow(public.n - 2) + 2
        try:
            r_inverse = pow(r, -1, public.n)
            break
        except ValueError:  # r shares a factor with n: astronomically rare, draw again
            continue
    blinded = (c * pow(r, public.e, public.n)) % public.n
    m1 = pow(blinded, numbers.dmp1, numbers.p)
    m2 = pow(blinded, numbers.dmq1, numbers.q)
    h = (numbers.iqmp * (m1 - m2)) % numbers.p
    m = ((m2 + h * numbers.q) * r_inverse) % public.n
    return m.to_bytes(size, "big")


def _pkcs1v15_message(encoded: bytes) -> tuple[bool, bytes]:
    """Decode EM = 00 02 PS(>= 8 non-zero) 00 M without branching on secret bytes."""
    good = (encoded[0] == 0) & (encoded[1] == 2)
    separator = 0
    for index in range(2, len(encoded)):
        is_zero = encoded[index] == 0
        first = is_zero & (separator == 0)
        separator = separator | (index * first)
    good = good & (separator >= 10)
    return bool(good), encoded[separator + 1 :] if separator else b""


def _oaep_message(private_key: rsa.RSAPrivateKey, blob: bytes) -> bytes | None:
    for algorithm in (hashes.SHA1(), hashes.SHA256()):  # noqa: S303 - OAEP's MGF1-SHA1 is the common default
        try:
            return private_key.decrypt(blob, _oaep(algorithm))
        except ValueError:
            continue
    return None


def _synthetic_key(private_key: rsa.RSAPrivateKey, blob: bytes) -> ContentKey:
    # Deterministic per key and blob, as implicit rejection is: a retry of the same packet fails the same way.
    seed = hashlib.sha256(private_key.private_numbers().d.to_bytes(1024, "big")).digest()
    material = hmac.new(seed, blob, hashlib.sha384).digest()
    return ContentKey(material[:AES_KEY_BYTES], material[AES_KEY_BYTES:], rejected=True)


def unwrap_key(blob: bytes, private_keys: Sequence[rsa.RSAPrivateKey]) -> ContentKey:
    """Recover key‖IV with the first of our keys that opens the blob (several during rotation).

    Raises 50013 when a key opens it but it does not hold 48 bytes; otherwise never raises: see module.
    """
    if not private_keys:
        raise ValueError("no private key to unwrap with")
    wrong_size = False
    for private_key in private_keys:
        encoded = _raw_rsa(private_key, blob)
        conformant, message = _pkcs1v15_message(encoded) if encoded is not None else (False, b"")
        oaep = _oaep_message(private_key, blob)
        for candidate_ok, candidate in ((conformant, message), (oaep is not None, oaep or b"")):
            if candidate_ok and len(candidate) == KEY_AND_IV_BYTES:
                return ContentKey(candidate[:AES_KEY_BYTES], candidate[AES_KEY_BYTES:])
            wrong_size = wrong_size or candidate_ok
    if wrong_size:
        raise PacketError(
            FileErrorCode.INCORRECT_KEY_SIZE,
            f"the key file does not hold the {KEY_AND_IV_BYTES} bytes of an AES-256 key and IV",
        )
    return _synthetic_key(private_keys[0], blob)
