"""create -> open gives back the same document, for both profiles and several sizes."""

from __future__ import annotations

import hashlib
import io
import tracemalloc
import zipfile

import pytest
from lxml import etree

from crypto.algorithms import INCLUSIVE
from crypto.keywrap import KeyTransport
from crypto.packet_create import SigningOptions
from crypto.packet_open import ReceivingContext, open_packet
from crypto.profiles import Profile
from tests.crypto.conftest import MakePacket, open_all
from tests.crypto.helpers import Party, context_for, make_document

NL_GIIN, BE_GIIN = "000000.00000.TA.528", "000000.00000.TA.056"


def same_document(opened: bytes, document: bytes) -> bool:
    """Equal as XML: the opened document may carry namespace declarations it inherited from the
    signature (unused ones), which exclusive canonicalization leaves out on both sides."""
    ours = etree.tostring(etree.fromstring(opened), method="c14n", exclusive=True)
    return bool(ours == etree.tostring(etree.fromstring(document), method="c14n", exclusive=True))


@pytest.mark.parametrize("size", [2_000, 300_000, 3_000_000])
def test_cts_round_trip(make_packet: MakePacket, be_context: ReceivingContext, size: int) -> None:
    document = make_document(size)
    packet = make_packet(document)
    opened, verdict = open_all(packet, be_context)
    assert same_document(opened, document)
    assert verdict.c14n == "exclusive"
    assert verdict.object_id == "FATCA"


@pytest.mark.parametrize("size", [2_000, 300_000])
def test_ides_round_trip(make_packet: MakePacket, parties: dict[str, Party], size: int) -> None:
    document = make_document(size)
    packet = make_packet(
        document, profile=Profile.IDES, sender=NL_GIIN, receiver=BE_GIIN, communication_type="RPT"
    )
    context = context_for([parties["BE"].pair(BE_GIIN)], {NL_GIIN: [parties["NL"].certificate]})
    opened, _ = open_all(packet, context)
    assert same_document(opened, document)
    names = zipfile.ZipFile(io.BytesIO(packet)).namelist()
    assert sorted(names) == sorted([f"{NL_GIIN}_Metadata.xml", f"{BE_GIIN}_Key", f"{NL_GIIN}_Payload"])


def test_cts_entry_names(make_packet: MakePacket) -> None:
    packet = make_packet(make_document(1000), communication_type="CRSStatus")
    names = sorted(zipfile.ZipFile(io.BytesIO(packet)).namelist())
    assert names == ["BE_CRS_Key", "NL_CRS_Metadata.xml", "NL_CRS_Payload"]


def test_inclusive_c14n_and_oaep(make_packet: MakePacket, be_context: ReceivingContext) -> None:
    document = make_document(5000)
    options = SigningOptions(c14n=INCLUSIVE, object_id="RefId-1", key_transport=KeyTransport.OAEP)
    opened, verdict = open_all(make_packet(document, options=options), be_context)
    assert same_document(opened, document)
    assert verdict.c14n == "inclusive"


def test_document_without_namespace_keeps_none(make_packet: MakePacket, be_context: ReceivingContext) -> None:
    document = (
        b'<?xml version="1.0"?>\n<!-- note --><Report b="2" a="&lt;1&gt;">'
        b"<Item>x &amp; y&#13;</Item><Empty/></Report>"
    )
    opened, _ = open_all(make_packet(document), be_context)
    root = etree.fromstring(opened)
    assert root.tag == "Report" and root[0].tag == "Item" and root[1].tag == "Empty"
    assert root[0].text == "x & y\r"


def test_rotation_opens_with_any_of_our_keys(make_packet: MakePacket, parties: dict[str, Party]) -> None:
    context = context_for(
        [parties["BE"].pair(), parties["BE-old"].pair()], {"NL": [parties["NL"].certificate]}
    )
    for receiver_certificate in (parties["BE"].certificate, parties["BE-old"].certificate):
        opened, _ = open_all(
            make_packet(make_document(1000), receiver_certificate=receiver_certificate), context
        )
        assert opened


def _peak_while_reading(packet: bytes, context: ReceivingContext) -> int:
    digest = hashlib.sha256()
    tracemalloc.start()
    try:
        with open_packet(packet, context) as opened:
            while chunk := opened.stream.read(65536):
                digest.update(chunk)
            opened.verdict()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_does_not_follow_the_document_size(
    make_packet: MakePacket, be_context: ReceivingContext
) -> None:
    small = _peak_while_reading(make_packet(make_document(500_000)), be_context)
    large = _peak_while_reading(make_packet(make_document(5_000_000)), be_context)
    assert large < 1.5 * small + 200_000, (small, large)  # ten times the document, not ten times the memory
    assert large < 2_000_000, large
