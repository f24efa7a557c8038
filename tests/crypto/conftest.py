from __future__ import annotations

import base64
import io
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from lxml import etree

from crypto.dsig_verify import SignatureVerdict
from crypto.packet_create import CreatedPacket, PacketRequest, SigningOptions, create_packet
from crypto.packet_open import ReceivingContext, open_packet
from crypto.profiles import Profile
from tests.crypto.helpers import Party, context_for, new_party


@pytest.fixture(scope="session")
def parties() -> dict[str, Party]:
    """Key pairs made once per session: RSA key generation is the slow part of these tests."""
    return {
        "BE": new_party("BE"),
        "NL": new_party("NL"),
        "LU": new_party("LU"),
        "NL-expired": new_party("NL", expired=True),
        "BE-old": new_party("BE"),
    }


@pytest.fixture
def be_context(parties: dict[str, Party]) -> ReceivingContext:
    """Belgium receiving: its key, and the Netherlands and Luxembourg as partners."""
    return context_for(
        [parties["BE"].pair()],
        {"NL": [parties["NL"].certificate], "LU": [parties["LU"].certificate]},
    )


MakePacket = Callable[..., bytes]


@pytest.fixture
def make_packet(parties: dict[str, Party], tmp_path: Path) -> MakePacket:
    """A packet from NL (or `signer`) to BE, as bytes."""

    def make(
        document: bytes,
        *,
        profile: Profile = Profile.CTS,
        sender: str = "NL",
        receiver: str = "BE",
        signer: Party | None = None,
        receiver_certificate: x509.Certificate | None = None,
        options: SigningOptions | None = None,
        moment: datetime | None = None,
        communication_type: str = "CRS",
    ) -> bytes:
        signer = signer or parties["NL"]
        created: CreatedPacket = create_packet(
            document,
            PacketRequest(profile, sender, receiver, communication_type, tax_year=2024),
            signer=signer.pair(sender),
            receiver_certificate=receiver_certificate or parties["BE"].certificate,
            directory=tmp_path / "outbox",
            options=options,
            moment=moment,
        )
        data = created.path.read_bytes()
        created.path.unlink()
        return data

    return make


def open_all(
    packet: bytes | Path,
    context: ReceivingContext,
    receiver: str | None = None,
    received_at: datetime | None = None,
) -> tuple[bytes, SignatureVerdict]:
    """Open, read everything, return (document, verdict)."""
    with open_packet(packet, context, receiver=receiver, received_at=received_at) as opened:
        sink = io.BytesIO()
        verdict = opened.drain(sink)
        return sink.getvalue(), verdict


def ides_key(standards_dir: Path, name: str) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key((standards_dir / "ides" / "keys" / name).read_bytes(), None)
    assert isinstance(key, rsa.RSAPrivateKey)
    return key


def ides_certificate(standards_dir: Path, name: str) -> x509.Certificate:
    return x509.load_pem_x509_certificate((standards_dir / "ides" / "keys" / name).read_bytes())


def key_info_certificate(signed: Path) -> x509.Certificate:
    """The signer's certificate as carried in a signed file's KeyInfo (read at test time, never copied)."""
    node = etree.parse(str(signed)).find(".//{http://www.w3.org/2000/09/xmldsig#}X509Certificate")
    assert node is not None and node.text
    return x509.load_der_x509_certificate(base64.b64decode("".join(node.text.split())))
