"""XML signatures: signature wrapping, algorithm policy, certificates, threats (50004 / 50005)."""

from __future__ import annotations

import base64
import hashlib
import io
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from lxml import etree

from crypto.dsig_sign import sign_enveloping
from crypto.dsig_verify import EnvelopingSignatureVerifier, SignerPolicy, VerifiedDocument
from crypto.errors import PacketError
from crypto.validity import ReceiptClock
from crypto.xmlsafe import SafeXmlReader
from tests.crypto.helpers import Party, make_document

DS = "http://www.w3.org/2000/09/xmldsig#"
NS = {"ds": DS}
SHA1_DIGEST = "http://www.w3.org/2000/09/xmldsig#sha1"
RSA_SHA1 = "http://www.w3.org/2000/09/xmldsig#rsa-sha1"


def sign(document: bytes, party: Party) -> bytes:
    out = io.BytesIO()
    sign_enveloping(io.BytesIO(document), out, party.key, party.certificate)
    return out.getvalue()


def verify(signed: bytes, party: Party, *, allow_sha1: bool = False, max_depth: int = 64) -> bytes:
    policy = SignerPolicy("NL", [party.certificate], ReceiptClock(datetime.now(UTC)), allow_sha1=allow_sha1)
    return b"".join(
        VerifiedDocument([signed[i : i + 4096] for i in range(0, len(signed), 4096)], policy, max_depth)
    )


def code_of(signed: bytes, party: Party, **kwargs: object) -> int:
    with pytest.raises(PacketError) as caught:
        verify(signed, party, **kwargs)  # type: ignore[arg-type]
    return int(caught.value.code)


def resign(signed: bytes, party: Party, edit: object = None, *, sha1: bool = False) -> bytes:
    """Apply `edit` to the signature tree, then recompute every digest and the signature value with
    the genuine key: whatever fails afterwards fails for its structure, not for a broken signature."""
    root = etree.fromstring(signed)
    if callable(edit):
        edit(root)
    signed_info = root.find("ds:SignedInfo", NS)
    assert signed_info is not None
    for reference in signed_info.findall("ds:Reference", NS):
        uri = reference.get("URI", "")
        targets = root.xpath("//*[@Id=$id]", id=uri[1:]) if uri.startswith("#") else [root]
        canonical = etree.tostring(targets[0], method="c14n", exclusive=True) if targets else b""
        digest_method = reference.find("ds:DigestMethod", NS)
        assert digest_method is not None
        if sha1:
            digest_method.set("Algorithm", SHA1_DIGEST)
        algorithm = hashlib.sha1 if sha1 else hashlib.sha256
        value = reference.find("ds:DigestValue", NS)
        assert value is not None
        value.text = base64.b64encode(algorithm(canonical).digest()).decode()
    if sha1:
        method = signed_info.find("ds:SignatureMethod", NS)
        assert method is not None
        method.set("Algorithm", RSA_SHA1)
    canonical_si = etree.tostring(signed_info, method="c14n", exclusive=True)
    signature = party.key.sign(canonical_si, padding.PKCS1v15(), hashes.SHA1() if sha1 else hashes.SHA256())
    value = root.find("ds:SignatureValue", NS)
    assert value is not None
    value.text = base64.b64encode(signature).decode()
    return etree.tostring(root)


@pytest.fixture
def signed(parties: dict[str, Party]) -> bytes:
    return sign(make_document(3000), parties["NL"])


def test_own_signature_verifies_and_resign_is_faithful(signed: bytes, parties: dict[str, Party]) -> None:
    assert verify(signed, parties["NL"])
    assert verify(resign(signed, parties["NL"]), parties["NL"])  # the helper itself breaks nothing


def _object(root: etree._Element) -> etree._Element:
    found = root.find("ds:Object", NS)
    assert found is not None
    return found


def test_second_object_is_refused(signed: bytes, parties: dict[str, Party]) -> None:
    def add(root: etree._Element) -> None:
        extra = etree.SubElement(root, f"{{{DS}}}Object")
        etree.SubElement(extra, "Evil").text = "x"

    with pytest.raises(PacketError, match="second Object"):
        verify(resign(signed, parties["NL"], add), parties["NL"])


def test_unsigned_object_before_the_signed_one_is_refused(signed: bytes, parties: dict[str, Party]) -> None:
    def add(root: etree._Element) -> None:
        evil = etree.Element(f"{{{DS}}}Object")
        etree.SubElement(evil, "Evil").text = "x"
        _object(root).addprevious(evil)

    with pytest.raises(PacketError, match="not signed"):
        verify(resign(signed, parties["NL"], add), parties["NL"])


def test_original_wrapped_inside_an_attacker_object_is_refused(
    signed: bytes, parties: dict[str, Party]
) -> None:
    def wrap(root: etree._Element) -> None:
        original = _object(root)
        evil = etree.Element(f"{{{DS}}}Object")
        etree.SubElement(evil, "Evil").text = "x"
        original.addprevious(evil)
        evil[0].append(original)  # the genuine, signed Object now hides inside the attacker's content

    assert code_of(resign(signed, parties["NL"], wrap), parties["NL"]) == 50004


@pytest.mark.parametrize("uri", ["", "#xpointer(/)", "http://example.org/doc.xml"])
def test_reference_pointing_outside_the_signature_is_refused(
    signed: bytes, parties: dict[str, Party], uri: str
) -> None:
    def point(root: etree._Element) -> None:
        reference = root.find("ds:SignedInfo/ds:Reference", NS)
        assert reference is not None
        reference.set("URI", uri)

    with pytest.raises(PacketError, match="points elsewhere"):
        verify(resign(signed, parties["NL"], point), parties["NL"])


def test_reference_to_an_element_inside_the_payload_is_refused(
    signed: bytes, parties: dict[str, Party]
) -> None:
    def point(root: etree._Element) -> None:
        _object(root)[0][0].set("Id", "inner")
        reference = root.find("ds:SignedInfo/ds:Reference", NS)
        assert reference is not None
        parent = reference.getparent()
        assert parent is not None
        second = etree.SubElement(parent, f"{{{DS}}}Reference", URI="#inner")
        for child in reference:
            second.append(etree.fromstring(etree.tostring(child)))

    with pytest.raises(PacketError, match="not the signed Object or KeyInfo"):
        verify(resign(signed, parties["NL"], point), parties["NL"])


def test_reference_to_the_signed_info_is_refused(signed: bytes, parties: dict[str, Party]) -> None:
    def point(root: etree._Element) -> None:
        signed_info = root.find("ds:SignedInfo", NS)
        assert signed_info is not None
        signed_info.set("Id", "si")
        reference = signed_info.find("ds:Reference", NS)
        assert reference is not None
        second = etree.SubElement(signed_info, f"{{{DS}}}Reference", URI="#si")
        for child in reference:
            second.append(etree.fromstring(etree.tostring(child)))

    with pytest.raises(PacketError, match="Signature or its SignedInfo"):
        verify(resign(signed, parties["NL"], point), parties["NL"])


def test_duplicated_id_is_refused(signed: bytes, parties: dict[str, Party]) -> None:
    def duplicate(root: etree._Element) -> None:
        _object(root)[0][0].set("Id", "FATCA")

    with pytest.raises(PacketError, match="duplicated Id"):
        verify(resign(signed, parties["NL"], duplicate), parties["NL"])


def test_text_beside_the_signed_document_is_refused(signed: bytes, parties: dict[str, Party]) -> None:
    def add_text(root: etree._Element) -> None:
        _object(root)[0].tail = "smuggled"

    with pytest.raises(PacketError, match="text beside"):
        verify(resign(signed, parties["NL"], add_text), parties["NL"])


def test_sha1_is_refused_unless_allowed(signed: bytes, parties: dict[str, Party]) -> None:
    weak = resign(signed, parties["NL"], sha1=True)
    with pytest.raises(PacketError, match="SHA-1"):
        verify(weak, parties["NL"])
    assert verify(weak, parties["NL"], allow_sha1=True)


def test_unknown_transform_is_refused(signed: bytes, parties: dict[str, Party]) -> None:
    def xpath(root: etree._Element) -> None:
        transform = root.find(".//ds:Transform", NS)
        assert transform is not None
        transform.set("Algorithm", "http://www.w3.org/TR/1999/REC-xpath-19991116")

    with pytest.raises(PacketError, match="unsupported"):
        verify(resign(signed, parties["NL"], xpath), parties["NL"])


def test_signature_of_another_key_is_refused(signed: bytes, parties: dict[str, Party]) -> None:
    with pytest.raises(PacketError, match="not the one registered"):
        verify(signed, parties["LU"])


def test_not_a_signature_at_all(parties: dict[str, Party]) -> None:
    assert code_of(make_document(500), parties["NL"]) == 50004


def test_malformed_xml(signed: bytes, parties: dict[str, Party]) -> None:
    # Not well-formed XML is 50007, as exchange validate says of the same bytes.
    assert code_of(signed[: len(signed) // 2], parties["NL"]) == 50007


@pytest.mark.parametrize(
    "prefix",
    [
        b'<!DOCTYPE Signature [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>',
        b'<!DOCTYPE Signature SYSTEM "http://example.org/evil.dtd">',
        b"<!DOCTYPE Signature>",
    ],
)
def test_doctype_is_a_threat(signed: bytes, parties: dict[str, Party], prefix: bytes) -> None:
    body = signed.split(b"?>", 1)[1]
    assert code_of(b'<?xml version="1.0"?>' + prefix + body, parties["NL"]) == 50005


def test_xinclude_is_a_threat(signed: bytes, parties: dict[str, Party]) -> None:
    document = b'<r xmlns:xi="http://www.w3.org/2001/XInclude"><xi:include href="/etc/passwd"/></r>'
    with pytest.raises(PacketError) as caught:
        sign(document, parties["NL"])  # we refuse to sign it
    assert caught.value.code == 50005

    def include(root: etree._Element) -> None:
        etree.SubElement(_object(root)[0], "{http://www.w3.org/2001/XInclude}include", href="/etc/passwd")

    assert code_of(resign(signed, parties["NL"], include), parties["NL"]) == 50005


def test_absurd_depth_is_a_threat(parties: dict[str, Party]) -> None:
    with pytest.raises(PacketError) as caught:
        sign(b"<a>" * 200 + b"</a>" * 200, parties["NL"])  # we refuse to sign it, too
    assert caught.value.code == 50005
    deep = b"<a>" * 30 + b"</a>" * 30
    assert code_of(sign(deep, parties["NL"]), parties["NL"], max_depth=20) == 50005


def _general_path(signed: bytes, party: Party) -> bytes:
    """The verifier with every event on its general path (no content handler taken)."""
    output: list[bytes] = []
    verifier = EnvelopingSignatureVerifier(
        SignerPolicy("NL", [party.certificate], ReceiptClock(datetime.now(UTC))), output
    )
    reader = SafeXmlReader(verifier, 64, content_handlers=False)
    reader.feed(signed)
    reader.close()
    verifier.flush()
    verifier.finish()
    return b"".join(output)


@pytest.mark.parametrize(
    "document",
    [
        make_document(2000),  # prefixed root: crs:CRS_OECD
        b'<Doc xmlns="urn:example"><Item>1</Item></Doc>',  # its own default namespace
        b"<Doc><Item>1</Item></Doc>",  # no namespace at all
        b'<a:Doc xmlns:a="urn:a"><b:Item xmlns:b="urn:b" b:n="1"/><Plain xmlns="">2</Plain></a:Doc>',
    ],
)
def test_the_verified_document_stands_alone_as_it_was_written(
    document: bytes, parties: dict[str, Party]
) -> None:
    signed = sign(document, parties["NL"])
    for verified in (verify(signed, parties["NL"]), _general_path(signed, parties["NL"])):
        assert DS.encode() not in verified  # the Signature's namespace stays with the Signature
        # Exclusive C14N signed only the namespaces in use: compare on that footing.
        assert etree.tostring(etree.fromstring(verified), method="c14n", exclusive=True) == etree.tostring(
            etree.fromstring(document), method="c14n", exclusive=True
        )


def test_content_relying_on_the_signatures_namespace_is_refused(
    signed: bytes, parties: dict[str, Party]
) -> None:
    """An unprefixed element inside the document that falls into the Signature's default namespace:
    its standalone copy could not say what was signed."""

    def add(root: etree._Element) -> None:
        etree.SubElement(_object(root)[0], f"{{{DS}}}Smuggled").text = "x"

    resigned = resign(signed, parties["NL"], add)
    assert b"<Smuggled>" in resigned
    for check in (verify, _general_path):
        with pytest.raises(PacketError, match="relies on the default namespace of the Signature"):
            check(resigned, parties["NL"])
