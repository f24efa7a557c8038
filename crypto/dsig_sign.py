"""Sign a document the way CTS does: an enveloping XML signature around `<Object Id="FATCA">` (FACTS §4).

The document is canonicalized once, streaming, into a temporary file while its digest is computed;
the signed file is then the signature header followed by those canonical bytes, so the receiver's
canonicalization reproduces the digest exactly. Memory stays constant whatever the document's size.
"""

from __future__ import annotations

import base64
import hashlib
import shutil
import tempfile
from dataclasses import replace
from typing import BinaryIO

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from crypto.algorithms import DSIG_NS, EXCLUSIVE, RSA_SHA256, SHA256_DIGEST, C14nMethod
from crypto.c14n import Canonicalizer, ContentCanonicalizer, escape_attribute
from crypto.xmlsafe import ContentHandler, SafeXmlReader, XmlSyntaxError
from exchange.errors import ExchangeError

CHUNK = 1 << 16
DEFAULT_OBJECT_ID = "FATCA"


class _DocumentContent:
    """Canonicalizes a whole document as the content of the Object it will sit in."""

    def __init__(self, canonicalizer: Canonicalizer) -> None:
        self._canonicalizer = canonicalizer
        self._depth = 0

    def start(
        self,
        qname: str,
        attributes: list[tuple[str, str]],
        declarations: dict[str, str],
        scope: dict[str, str],
    ) -> ContentHandler | None:
        root = self._depth == 0
        if root and "" not in scope:
            # Unprefixed names of the document have no namespace; inside the Object they would fall
            # into the signature's default namespace unless the canonical form says xmlns="".
            declarations = {**declarations, "": ""}
            scope = {**scope, "": ""}
        self._depth += 1
        self._canonicalizer.start(qname, attributes, declarations, scope)
        # The content of the root is the bulk of the document: it streams through the fast path.
        return ContentCanonicalizer(self._canonicalizer) if root else None

    def end(self, qname: str) -> None:
        self._depth -= 1
        self._canonicalizer.end(qname)

    def text(self, data: str) -> None:
        self._canonicalizer.text(data)

    def comment(self, data: str) -> None:
        """Comments are not signed by an Id reference: they are left out."""

    def pi(self, target: str, data: str) -> None:
        if self._depth:  # outside the root they would sit beside the document in the Object
            self._canonicalizer.pi(target, data)


def _canonical_content(
    source: BinaryIO, sink: BinaryIO, method: C14nMethod, object_id: str, max_depth: int
) -> bytes:
    """Write the document's canonical bytes to `sink`; return the digest of the whole Object."""
    parts: list[str] = []
    # Id references never sign comments, whatever the method's name says.
    canonicalizer = Canonicalizer(replace(method, with_comments=False), parts)
    digest = hashlib.sha256()
    canonicalizer.start("Object", [("Id", object_id)], {"": DSIG_NS}, {"": DSIG_NS})
    digest.update("".join(parts).encode())
    parts.clear()
    reader = SafeXmlReader(_DocumentContent(canonicalizer), max_depth)
    try:
        while chunk := source.read(CHUNK):
            reader.feed(chunk)
            data = "".join(parts).encode()
            parts.clear()
            digest.update(data)
            sink.write(data)
        reader.close()
    except XmlSyntaxError as exc:
        raise ExchangeError(f"the document to sign is {exc}") from None
    data = "".join(parts).encode()
    parts.clear()
    digest.update(data)
    sink.write(data)
    canonicalizer.end("Object")
    digest.update("".join(parts).encode())
    return digest.digest()


def _signed_info(method: C14nMethod, object_id: str, digest: bytes) -> str:
    algorithm = escape_attribute(method.uri)
    return (
        f'<SignedInfo><CanonicalizationMethod Algorithm="{algorithm}"></CanonicalizationMethod>'
        f'<SignatureMethod Algorithm="{RSA_SHA256}"></SignatureMethod>'
        f'<Reference URI="#{escape_attribute(object_id)}"><Transforms><Transform Algorithm="{algorithm}">'
        f'</Transform></Transforms><DigestMethod Algorithm="{SHA256_DIGEST}"></DigestMethod>'
        f"<DigestValue>{base64.b64encode(digest).decode()}</DigestValue></Reference></SignedInfo>"
    )


def canonicalize_fragment(fragment: str, method: C14nMethod, context: dict[str, str]) -> bytes:
    """Canonical form of a small element parsed out of its document (for SignedInfo)."""
    parts: list[str] = []
    reader = SafeXmlReader(Canonicalizer(method, parts), max_depth=16, context=context)
    reader.feed(fragment.encode())
    reader.close()
    return "".join(parts).encode()


def sign_enveloping(
    source: BinaryIO,
    sink: BinaryIO,
    private_key: rsa.RSAPrivateKey,
    certificate: x509.Certificate,
    *,
    method: C14nMethod = EXCLUSIVE,
    object_id: str = DEFAULT_OBJECT_ID,
    max_depth: int = 64,
) -> None:
    """Read an XML document from `source`; write it, signed, to `sink`."""
    with tempfile.TemporaryFile() as content:
        digest = _canonical_content(source, content, method, object_id, max_depth)
        signed_info = _signed_info(method, object_id, digest)
        canonical = canonicalize_fragment(signed_info, method, {"": DSIG_NS})
        signature = private_key.sign(canonical, padding.PKCS1v15(), hashes.SHA256())
        der = certificate.public_bytes(serialization.Encoding.DER)
        sink.write(
            (
                f'<?xml version="1.0" encoding="UTF-8"?>\n<Signature xmlns="{DSIG_NS}">{signed_info}'
                f"<SignatureValue>{base64.b64encode(signature).decode()}</SignatureValue>"
                f"<KeyInfo><X509Data><X509Certificate>{base64.b64encode(der).decode()}</X509Certificate>"
                f'</X509Data></KeyInfo><Object Id="{escape_attribute(object_id)}">'
            ).encode()
        )
        content.seek(0)
        shutil.copyfileobj(content, sink, CHUNK)
        sink.write(b"</Object></Signature>")
