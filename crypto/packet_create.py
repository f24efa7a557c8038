"""Create a packet (CTS or IDES profile): sign, compress, encrypt, wrap the key, name the files.

Used by sending authorities, by the demo, and by the product for its outbound status messages. Memory
stays constant: the document is signed into a temporary file, then streamed through deflate and AES
straight into the packet's payload entry.
"""

from __future__ import annotations

import io
import shutil
import tempfile
import zipfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa

from crypto.aes_stream import CbcEncryptor
from crypto.algorithms import EXCLUSIVE, C14nMethod
from crypto.dsig_sign import DEFAULT_OBJECT_ID, sign_enveloping
from crypto.keyring import KeyPair
from crypto.keywrap import ContentKey, KeyTransport, wrap_key
from crypto.metadata import PacketMetadata, render_metadata
from crypto.profiles import Profile, entry_names, packet_file_name
from exchange.errors import ExchangeError
from exchange.logs import get_logger

CHUNK = 1 << 16
log = get_logger("crypto.packet")


@dataclass(frozen=True)
class PacketRequest:
    """Who sends what to whom. Parties are country codes (CTS) or GIINs (IDES)."""

    profile: Profile
    sender: str
    receiver: str
    communication_type: str
    tax_year: int | None = None
    file_revision: bool = False
    original_transmission_id: str | None = None
    contact_email: str | None = None


@dataclass(frozen=True)
class SigningOptions:
    c14n: C14nMethod = EXCLUSIVE
    object_id: str = DEFAULT_OBJECT_ID
    key_transport: str = KeyTransport.PKCS1V15
    max_xml_depth: int = 64


@dataclass(frozen=True)
class CreatedPacket:
    path: Path
    metadata: PacketMetadata
    c14n: str
    recipients: tuple[str, ...] = field(default=())


def _public_key(certificate: x509.Certificate) -> rsa.RSAPublicKey:
    key = certificate.public_key()
    if not isinstance(key, rsa.RSAPublicKey):
        raise ExchangeError("the receiver's certificate does not hold an RSA key")
    return key


def _write_payload(
    archive: zipfile.ZipFile, payload_name: str, inner_name: str, signed: BinaryIO, content_key: ContentKey
) -> None:
    info = zipfile.ZipInfo(payload_name, date_time=datetime.now(UTC).timetuple()[:6])
    info.compress_type = zipfile.ZIP_STORED  # ciphertext does not compress
    with archive.open(info, "w", force_zip64=True) as entry:
        encryptor = CbcEncryptor(entry, content_key)
        with zipfile.ZipFile(encryptor, "w", zipfile.ZIP_DEFLATED) as inner:
            inner_info = zipfile.ZipInfo(inner_name, date_time=datetime.now(UTC).timetuple()[:6])
            inner_info.compress_type = zipfile.ZIP_DEFLATED
            with inner.open(inner_info, "w", force_zip64=True) as document:
                shutil.copyfileobj(signed, document, CHUNK)
        encryptor.finish()


def create_packet(
    document: bytes | Path | BinaryIO,
    request: PacketRequest,
    *,
    signer: KeyPair,
    receiver_certificate: x509.Certificate,
    directory: Path,
    also_for: Mapping[str, x509.Certificate] | None = None,
    options: SigningOptions | None = None,
    moment: datetime | None = None,
) -> CreatedPacket:
    """Write a packet for `request.receiver` (and `also_for`, e.g. an IDES approver) into `directory`."""
    options = options or SigningOptions()
    if signer.certificate is None:
        raise ExchangeError(
            f"the signing key {signer.source} of {signer.identity} has no certificate beside it"
        )
    moment = moment or datetime.now(UTC)
    name = packet_file_name(request.profile, request.sender, request.communication_type, moment)
    names = entry_names(request.profile, request.sender, request.communication_type)
    metadata = PacketMetadata(
        profile=request.profile,
        sender=request.sender,
        receiver=request.receiver,
        communication_type=request.communication_type,
        sender_file_id=name,
        created=moment,
        tax_year=request.tax_year,
        file_revision=request.file_revision,
        original_transmission_id=request.original_transmission_id,
        contact=request.contact_email,
    )
    metadata_xml = render_metadata(metadata)
    recipients = {request.receiver: receiver_certificate, **(also_for or {})}
    content_key = ContentKey.generate()
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / name
    partial = directory / f".{name}.partial"
    try:
        with tempfile.TemporaryFile() as signed, _as_stream(document) as source:
            sign_enveloping(
                source,
                signed,
                signer.private_key,
                signer.certificate,
                method=options.c14n,
                object_id=options.object_id,
                max_depth=options.max_xml_depth,
            )
            signed.seek(0)
            with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
                archive.writestr(names.metadata, metadata_xml)
                for party, certificate in recipients.items():
                    key_name = names.key(party, request.communication_type, request.profile)
                    archive.writestr(
                        key_name, wrap_key(content_key, _public_key(certificate), options.key_transport)
                    )
                _write_payload(archive, names.payload, names.inner_document, signed, content_key)
        partial.replace(target)  # the packet appears whole or not at all
    finally:
        partial.unlink(missing_ok=True)
    log.info(
        "packet created",
        sender=request.sender,
        receiver=request.receiver,
        profile=request.profile.value,
        communication_type=request.communication_type,
        c14n=options.c14n.name,
    )
    return CreatedPacket(target, metadata, options.c14n.name, tuple(recipients))


@contextmanager
def _as_stream(document: bytes | Path | BinaryIO) -> Iterator[BinaryIO]:
    if isinstance(document, Path):
        with document.open("rb") as handle:
            yield handle
    elif isinstance(document, bytes):
        yield io.BytesIO(document)
    else:
        yield document  # the caller's stream: the caller closes it
