"""Decompression limits (ZIP bombs end with 50003) and threats inside a real packet (50005)."""

from __future__ import annotations

import io
import zipfile

import pytest

from crypto.errors import PacketError, UnreadablePacketError
from crypto.packet_open import ReceivingContext
from tests.crypto.conftest import MakePacket, open_all
from tests.crypto.helpers import Party, context_for, make_document, signed_xml, with_payload, with_signed_xml


def _bomb(signed: bytes, padding_mb: int) -> bytes:
    """A valid signed file with megabytes of blanks inside its Object: compresses about 1000:1."""
    head, tail = signed.split(b'<Object Id="FATCA">', 1)
    out = io.BytesIO()
    with (
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive,
        archive.open("NL_CRS_Payload.xml", "w") as entry,
    ):
        entry.write(head + b'<Object Id="FATCA">')
        blank = b" " * (1 << 20)
        for _ in range(padding_mb):
            entry.write(blank)
        entry.write(tail)
    return out.getvalue()


@pytest.fixture
def packet(make_packet: MakePacket) -> bytes:
    return make_packet(make_document(5000))


def _code(packet: bytes, context: ReceivingContext) -> tuple[int, str]:
    with pytest.raises(PacketError) as caught:
        open_all(packet, context)
    return int(caught.value.code), caught.value.reason


def test_zip_bomb_stops_at_the_ratio(
    packet: bytes, parties: dict[str, Party], be_context: ReceivingContext
) -> None:
    bomb = with_payload(packet, parties["BE"].key, _bomb(signed_xml(packet, parties["BE"].key), 40))
    code, reason = _code(bomb, be_context)
    assert code == 50003 and "compression ratio" in reason


def test_zip_bomb_stops_at_the_size(packet: bytes, parties: dict[str, Party]) -> None:
    context = context_for(
        [parties["BE"].pair()],
        {"NL": [parties["NL"].certificate]},
        max_decompressed_bytes=3 << 20,
        max_compression_ratio=100_000,
    )
    bomb = with_payload(packet, parties["BE"].key, _bomb(signed_xml(packet, parties["BE"].key), 10))
    code, reason = _code(bomb, context)
    assert code == 50003 and "inflates beyond" in reason


def _zeros(megabytes: int, head: bytes = b"") -> bytes:
    """An inner ZIP of zero bytes (after `head`): the classic bomb, about 1000:1, and not XML at all."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive,
        archive.open("NL_CRS_Payload.xml", "w") as entry,
    ):
        entry.write(head)
        zeros = bytes(1 << 20)
        for _ in range(megabytes):
            entry.write(zeros)
    return out.getvalue()


def test_zero_filled_bomb_is_a_decompression_failure(
    packet: bytes, parties: dict[str, Party], be_context: ReceivingContext
) -> None:
    # The verifier refuses the first zeros as "not XML" long before any limit: decompression is judged first.
    code, reason = _code(with_payload(packet, parties["BE"].key, _zeros(16)), be_context)
    assert (code, reason) == (50003, "the payload's compression ratio exceeds 200:1")


def test_zero_filled_bomb_stops_at_the_size(packet: bytes, parties: dict[str, Party]) -> None:
    context = context_for(
        [parties["BE"].pair()],
        {"NL": [parties["NL"].certificate]},
        max_decompressed_bytes=4 << 20,
        max_compression_ratio=100_000,
    )
    code, reason = _code(with_payload(packet, parties["BE"].key, _zeros(16)), context)
    assert code == 50003 and "inflates beyond 4194304 bytes" in reason


def test_bomb_behind_a_threat_is_still_a_bomb(
    packet: bytes, parties: dict[str, Party], be_context: ReceivingContext
) -> None:
    bomb = _zeros(16, head=b'<?xml version="1.0"?><!DOCTYPE Signature [<!ENTITY a "b">]><Signature>')
    assert _code(with_payload(packet, parties["BE"].key, bomb), be_context)[0] == 50003


def test_small_garbage_is_still_not_well_formed(
    packet: bytes, parties: dict[str, Party], be_context: ReceivingContext
) -> None:
    from tests.crypto.helpers import inner_zip

    code, reason = _code(with_payload(packet, parties["BE"].key, inner_zip(b"\0" * 5000)), be_context)
    # Within the limits, the payload is judged as XML: not well-formed is a schema failure (50007).
    assert code == 50007 and "not well-formed" in reason


def test_ratio_limit_is_configurable(
    make_packet: MakePacket, parties: dict[str, Party], be_context: ReceivingContext
) -> None:
    document = make_document(2000).replace(b"</crs:CrsBody>", b" " * (3 << 20) + b"</crs:CrsBody>")
    packet = make_packet(document)
    assert _code(packet, be_context)[0] == 50003
    generous = context_for(
        [parties["BE"].pair()], {"NL": [parties["NL"].certificate]}, max_compression_ratio=100_000
    )
    assert open_all(packet, generous)[0].startswith(b"<?xml")


def test_packet_size_limit(packet: bytes, parties: dict[str, Party]) -> None:
    context = context_for([parties["BE"].pair()], {"NL": [parties["NL"].certificate]}, max_packet_bytes=1000)
    with pytest.raises(UnreadablePacketError, match="larger than"):
        open_all(packet, context)


def test_doctype_with_entities_in_a_packet(
    packet: bytes, parties: dict[str, Party], be_context: ReceivingContext
) -> None:
    def add_doctype(xml: bytes) -> bytes:
        head, body = xml.split(b"?>", 1)
        return head + b'?><!DOCTYPE Signature [<!ENTITY x "&#60;evil/&#62;">]>' + body

    assert _code(with_signed_xml(packet, parties["BE"].key, add_doctype), be_context)[0] == 50005
