"""Every way a packet can fail, each with its OECD file error code."""

from __future__ import annotations

import io
import zipfile

import pytest

from crypto.errors import PacketError, UnknownPartnerError, UnreadablePacketError, VerdictPendingError
from crypto.keywrap import ContentKey
from crypto.packet_open import ReceivingContext, open_packet
from tests.crypto.conftest import MakePacket, open_all
from tests.crypto.helpers import (
    Party,
    content_key,
    context_for,
    entry,
    inner_zip,
    make_document,
    replace_entries,
    with_payload,
    with_signed_xml,
    wrapped_key,
)


def _code(packet: bytes, context: ReceivingContext) -> int:
    with pytest.raises(PacketError) as caught:
        open_all(packet, context)
    return int(caught.value.code)


@pytest.fixture
def packet(make_packet: MakePacket) -> bytes:
    return make_packet(make_document(20_000))


def _flip(data: bytes, index: int, mask: int = 0x80) -> bytes:
    return data[:index] + bytes([data[index] ^ mask]) + data[index + 1 :]


def test_flipped_byte_in_the_padding_block(packet: bytes, be_context: ReceivingContext) -> None:
    payload = entry(packet, "_Payload")[1]
    # Flipping the top bit of the next-to-last block's last byte makes the padding byte >= 0x80.
    assert (
        _code(replace_entries(packet, {"_Payload": _flip(payload, len(payload) - 17)}), be_context) == 50002
    )


def test_flipped_byte_in_the_first_block(packet: bytes, be_context: ReceivingContext) -> None:
    payload = entry(packet, "_Payload")[1]
    assert _code(replace_entries(packet, {"_Payload": _flip(payload, 3)}), be_context) == 50002


def test_flipped_byte_in_the_middle_never_passes(packet: bytes, be_context: ReceivingContext) -> None:
    # CBC has no integrity of its own: a garbled block shows as corrupt deflate data, a bad signature, or
    # a signed file no longer well-formed XML (50007).
    payload = entry(packet, "_Payload")[1]
    code = _code(replace_entries(packet, {"_Payload": _flip(payload, len(payload) // 2)}), be_context)
    assert code in {50002, 50003, 50004, 50007}


def test_truncated_ciphertext(packet: bytes, be_context: ReceivingContext) -> None:
    payload = entry(packet, "_Payload")[1]
    assert _code(replace_entries(packet, {"_Payload": payload[:-5]}), be_context) == 50002


def test_wrong_receiver_key(
    make_packet: MakePacket, parties: dict[str, Party], be_context: ReceivingContext
) -> None:
    packet = make_packet(make_document(2000), receiver_certificate=parties["LU"].certificate)
    assert _code(packet, be_context) == 50002


def test_wrong_key_fails_the_same_way_every_time(
    make_packet: MakePacket, parties: dict[str, Party], be_context: ReceivingContext
) -> None:
    packet = make_packet(make_document(2000), receiver_certificate=parties["LU"].certificate)
    messages = set()
    for _ in range(3):
        with pytest.raises(PacketError) as caught:
            open_all(packet, be_context)
        messages.add(str(caught.value))
    assert messages == {"[50002] the payload cannot be decrypted with our key"}


@pytest.mark.parametrize("size", [32, 47, 64])
def test_key_blob_of_wrong_size(
    packet: bytes, parties: dict[str, Party], be_context: ReceivingContext, size: int
) -> None:
    blob = wrapped_key(bytes(range(size)), parties["BE"].certificate)
    assert _code(replace_entries(packet, {"_Key": blob}), be_context) == 50013


def test_key_blob_that_is_no_rsa_block(packet: bytes, be_context: ReceivingContext) -> None:
    assert _code(replace_entries(packet, {"_Key": b"\x01" * 100}), be_context) == 50002


def test_ecb_encrypted_payload(
    packet: bytes, parties: dict[str, Party], be_context: ReceivingContext
) -> None:
    plain = inner_zip(make_document(3000))
    assert _code(with_payload(packet, parties["BE"].key, plain, mode="ecb"), be_context) == 50013


def test_payload_not_compressed(
    packet: bytes, parties: dict[str, Party], be_context: ReceivingContext
) -> None:
    from tests.crypto.helpers import signed_xml

    plain = signed_xml(packet, parties["BE"].key)
    assert _code(with_payload(packet, parties["BE"].key, plain), be_context) == 50003


def test_inner_zip_with_two_files(
    packet: bytes, parties: dict[str, Party], be_context: ReceivingContext
) -> None:
    from tests.crypto.helpers import signed_xml

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("NL_CRS_Payload.xml", signed_xml(packet, parties["BE"].key))
        archive.writestr("smuggled.xml", "<b/>")
    assert _code(with_payload(packet, parties["BE"].key, out.getvalue()), be_context) == 50003


def test_tampered_signed_content(
    packet: bytes, parties: dict[str, Party], be_context: ReceivingContext
) -> None:
    tampered = with_signed_xml(
        packet, parties["BE"].key, lambda xml: xml.replace(b"ACC000000001", b"ACC000000666")
    )
    assert _code(tampered, be_context) == 50004


def test_tampered_signature_value(
    packet: bytes, parties: dict[str, Party], be_context: ReceivingContext
) -> None:
    def change(xml: bytes) -> bytes:
        start = xml.index(b"<SignatureValue>") + len(b"<SignatureValue>")
        return xml[:start] + (b"A" if xml[start : start + 1] != b"A" else b"B") + xml[start + 1 :]

    assert _code(with_signed_xml(packet, parties["BE"].key, change), be_context) == 50004


def test_certificate_of_another_jurisdiction(
    make_packet: MakePacket, parties: dict[str, Party], be_context: ReceivingContext
) -> None:
    packet = make_packet(make_document(2000), signer=parties["LU"])  # LU signs a packet claiming to be NL
    assert _code(packet, be_context) == 50004


def test_unknown_sender(packet: bytes, parties: dict[str, Party]) -> None:
    context = context_for([parties["BE"].pair()], {"LU": [parties["LU"].certificate]})
    with pytest.raises(UnknownPartnerError):
        open_all(packet, context)


def test_not_addressed_to_us(
    make_packet: MakePacket, parties: dict[str, Party], be_context: ReceivingContext
) -> None:
    packet = make_packet(make_document(2000), receiver="LU", receiver_certificate=parties["LU"].certificate)
    assert _code(packet, be_context) == 50012


def test_addressed_to_us_without_our_key_file(packet: bytes, be_context: ReceivingContext) -> None:
    name, blob = entry(packet, "_Key")
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(packet)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            target.writestr(info.filename.replace("BE_", "LU_"), source.read(info))
    assert _code(out.getvalue(), be_context) == 50002
    del name, blob


@pytest.mark.parametrize(
    "damage",
    [
        b"not a zip",
        b"",
    ],
)
def test_not_a_packet(damage: bytes, be_context: ReceivingContext) -> None:
    with pytest.raises(UnreadablePacketError):
        open_all(damage, be_context)


def test_metadata_invalid_beyond_tolerance(packet: bytes, be_context: ReceivingContext) -> None:
    name, metadata = entry(packet, "_Metadata.xml")
    broken = metadata.replace(b"<CTSCommunicationTypeCd>CRS<", b"<CTSCommunicationTypeCd>XYZ<")
    with pytest.raises(UnreadablePacketError, match="CTSCommunicationTypeCd"):
        open_all(replace_entries(packet, {"_Metadata.xml": broken}), be_context)
    del name


def test_verdict_is_pending_until_the_end(packet: bytes, be_context: ReceivingContext) -> None:
    with open_packet(packet, be_context) as opened:
        opened.stream.read(10)
        with pytest.raises(VerdictPendingError):
            opened.verdict()
        opened.drain()
        assert opened.verdict().c14n == "exclusive"


def test_failed_stream_keeps_failing(
    packet: bytes, parties: dict[str, Party], be_context: ReceivingContext
) -> None:
    tampered = with_signed_xml(
        packet, parties["BE"].key, lambda xml: xml.replace(b"ACC000000001", b"ACC000000666")
    )
    with open_packet(tampered, be_context) as opened:
        with pytest.raises(PacketError):
            opened.drain()
        with pytest.raises(PacketError):
            opened.stream.read(10)  # no quiet end of stream after a failure
        with pytest.raises(PacketError):
            opened.verdict()


def test_content_key_repr_hides_the_key(packet: bytes, parties: dict[str, Party]) -> None:
    key = content_key(packet, parties["BE"].key)
    assert key.key.hex() not in repr(key) and isinstance(key, ContentKey)


def _with_unknown_compression(packet: bytes, suffix: str) -> bytes:
    """The packet with the entry ending in `suffix` claiming a compression method zipfile lacks (99)."""
    data = bytearray(packet)
    with zipfile.ZipFile(io.BytesIO(packet)) as archive:
        info = next(i for i in archive.infolist() if i.filename.endswith(suffix))
    data[info.header_offset + 8 : info.header_offset + 10] = (99).to_bytes(2, "little")
    central = data.find(b"PK\x01\x02")  # the central directory's records
    while central != -1:
        name_length = int.from_bytes(data[central + 28 : central + 30], "little")
        if data[central + 46 : central + 46 + name_length].decode().endswith(suffix):
            data[central + 10 : central + 12] = (99).to_bytes(2, "little")
        central = data.find(b"PK\x01\x02", central + 4)
    return bytes(data)


def test_an_unknown_compression_method_is_unreadable_or_a_decryption_failure(
    packet: bytes, be_context: ReceivingContext
) -> None:
    # Found by the pipeline fuzz: zipfile raised NotImplementedError, which became an internal error.
    with pytest.raises(UnreadablePacketError, match="metadata entry cannot be read"):
        open_all(_with_unknown_compression(packet, "_Metadata.xml"), be_context)
    assert _code(_with_unknown_compression(packet, "_Payload"), be_context) == 50002
