"""Builders for test packets: documents of a given size, and surgery on packets to break them."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.padding import PKCS7

from crypto.certs import generate_key_pair
from crypto.keyring import KeyPair, Keyring
from crypto.keywrap import ContentKey, unwrap_key
from crypto.packet_open import ReceivingContext
from crypto.truststore import PartnerCertificate, TrustStore

CRS_HEAD = (
    '<crs:CRS_OECD xmlns:cfc="urn:oecd:ties:commontypesfatcacrs:v2" xmlns:crs="urn:oecd:ties:crs:v2" '
    'xmlns:stf="urn:oecd:ties:crsstf:v5" version="2.0"><crs:MessageSpec><crs:TransmittingCountry>NL'
    "</crs:TransmittingCountry><crs:ReceivingCountry>BE</crs:ReceivingCountry><crs:MessageType>CRS"
    "</crs:MessageType><crs:MessageRefId>NL2024BE0001</crs:MessageRefId><crs:MessageTypeIndic>CRS701"
    "</crs:MessageTypeIndic><crs:ReportingPeriod>2024-12-31</crs:ReportingPeriod><crs:Timestamp>"
    "2025-01-15T10:00:00</crs:Timestamp></crs:MessageSpec><crs:CrsBody>"
)
CRS_RECORD = (
    "<crs:AccountReport><crs:DocSpec><stf:DocTypeIndic>OECD1</stf:DocTypeIndic><stf:DocRefId>NL2024-{n}"
    '</stf:DocRefId></crs:DocSpec><crs:AccountNumber AcctNumberType="OECD605">ACC{n:09d}</crs:AccountNumber>'
    "<crs:AccountHolder><crs:Individual><crs:ResCountryCode>BE</crs:ResCountryCode><crs:Name>"
    "<crs:FirstName>Zoë &amp; Jan</crs:FirstName><crs:LastName>Müller-{n}</crs:LastName></crs:Name>"
    "</crs:Individual></crs:AccountHolder>"
    '<crs:AccountBalance currCode="EUR">{n}.50</crs:AccountBalance></crs:AccountReport>\n'
)
CRS_TAIL = "</crs:CrsBody></crs:CRS_OECD>"


def make_document(size: int) -> bytes:
    """A CRS-like document of about `size` bytes, already in canonical form."""
    parts, total, n = [CRS_HEAD], len(CRS_HEAD), 0
    while total < size:
        record = CRS_RECORD.format(n=n)
        parts.append(record)
        total += len(record.encode())
        n += 1
    parts.append(CRS_TAIL)
    return "".join(parts).encode()


@dataclass(frozen=True)
class Party:
    identity: str
    key: rsa.RSAPrivateKey
    certificate: x509.Certificate

    def pair(self, identity: str | None = None) -> KeyPair:
        return KeyPair(identity or self.identity, self.key, self.certificate)


def new_party(identity: str, *, expired: bool = False) -> Party:
    start = datetime.now(UTC) - (timedelta(days=800) if expired else timedelta(minutes=5))
    key, certificate = generate_key_pair(identity, not_before=start, days=365 if expired else 730)
    return Party(identity, key, certificate)


def context_for(
    receivers: list[KeyPair], partners: dict[str, list[x509.Certificate]], **limits: object
) -> ReceivingContext:
    from crypto.limits import Limits

    trust = TrustStore(PartnerCertificate(p, c) for p, certs in partners.items() for c in certs)
    return ReceivingContext(Keyring(receivers), trust, Limits(**limits))  # type: ignore[arg-type]


def entry(packet: bytes, suffix: str) -> tuple[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(packet)) as archive:
        name = next(n for n in archive.namelist() if n.endswith(suffix))
        return name, archive.read(name)


def replace_entries(packet: bytes, replacements: dict[str, bytes]) -> bytes:
    """The packet with the entries whose names end with a key replaced by the value."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(packet)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            data = source.read(info)
            for suffix, new in replacements.items():
                if info.filename.endswith(suffix):
                    data = new
            target.writestr(info.filename, data)
    return out.getvalue()


def cbc(plain: bytes, key: ContentKey) -> bytes:
    padder = PKCS7(128).padder()
    encryptor = Cipher(algorithms.AES(key.key), modes.CBC(key.iv)).encryptor()
    return encryptor.update(padder.update(plain) + padder.finalize()) + encryptor.finalize()


def ecb(plain: bytes, key: ContentKey) -> bytes:
    padder = PKCS7(128).padder()
    encryptor = Cipher(algorithms.AES(key.key), modes.ECB()).encryptor()
    return encryptor.update(padder.update(plain) + padder.finalize()) + encryptor.finalize()


def inner_zip(document: bytes, name: str = "NL_CRS_Payload.xml") -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, document)
    return out.getvalue()


def content_key(packet: bytes, receiver_key: rsa.RSAPrivateKey) -> ContentKey:
    return unwrap_key(entry(packet, "_Key")[1], [receiver_key])


def signed_xml(packet: bytes, receiver_key: rsa.RSAPrivateKey) -> bytes:
    """The signed XML inside a packet, taken apart with plain tools."""
    key = content_key(packet, receiver_key)
    decryptor = Cipher(algorithms.AES(key.key), modes.CBC(key.iv)).decryptor()
    padded = decryptor.update(entry(packet, "_Payload")[1]) + decryptor.finalize()
    unpadder = PKCS7(128).unpadder()
    plain = unpadder.update(padded) + unpadder.finalize()
    with zipfile.ZipFile(io.BytesIO(plain)) as archive:
        return archive.read(archive.namelist()[0])


def with_payload(packet: bytes, receiver_key: rsa.RSAPrivateKey, plain: bytes, *, mode: str = "cbc") -> bytes:
    """The packet with its payload replaced by `plain`, encrypted under the packet's own key."""
    key = content_key(packet, receiver_key)
    return replace_entries(packet, {"_Payload": (ecb if mode == "ecb" else cbc)(plain, key)})


def with_signed_xml(
    packet: bytes, receiver_key: rsa.RSAPrivateKey, change: Callable[[bytes], bytes]
) -> bytes:
    return with_payload(packet, receiver_key, inner_zip(change(signed_xml(packet, receiver_key))))


def wrapped_key(secret: bytes, certificate: x509.Certificate) -> bytes:
    public = certificate.public_key()
    assert isinstance(public, rsa.RSAPublicKey)
    return public.encrypt(secret, padding.PKCS1v15())
