"""What a signature's SignedInfo and KeyInfo say, read strictly: anything we cannot check is refused."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from cryptography import x509

from crypto.algorithms import (
    C14N_METHODS,
    DIGEST_METHODS,
    DSIG_NS,
    EXC_C14N_NS,
    INCLUSIVE,
    SIGNATURE_METHODS,
    C14nMethod,
    HashAlgorithm,
    accepted,
)
from crypto.dsig_tree import Node
from crypto.errors import FileErrorCode, PacketError

MAX_REFERENCES = 8


def _refuse(message: str) -> PacketError:
    return PacketError(FileErrorCode.FAILED_SIGNATURE_CHECK, message)


@dataclass(frozen=True)
class Reference:
    target_id: str
    c14n: C14nMethod
    inclusive_prefixes: frozenset[str]
    digest: HashAlgorithm
    digest_uri: str
    digest_value: bytes


@dataclass(frozen=True)
class SignedInfo:
    c14n: C14nMethod
    c14n_prefixes: frozenset[str]
    signature_uri: str
    signature_hash: HashAlgorithm
    references: tuple[Reference, ...]


def decode_base64(text: str, what: str) -> bytes:
    try:
        return base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError):
        raise _refuse(f"the signature's {what} is not base64") from None


def _dsig_children(node: Node) -> list[Node]:
    for child in node.children:
        if child.namespace != DSIG_NS:
            raise _refuse(f"unexpected element {child.local} in the signature's {node.local}")
    return node.children


def _algorithm(node: Node) -> str:
    algorithm = node.attributes.get("Algorithm")
    if not algorithm:
        raise _refuse(f"{node.local} without an Algorithm")
    return algorithm


def _c14n(node: Node) -> tuple[C14nMethod, frozenset[str]]:
    uri = _algorithm(node)
    method = C14N_METHODS.get(uri)
    if method is None:
        raise _refuse(f"unsupported canonicalization or transform {uri}")
    prefixes: frozenset[str] = frozenset()
    for child in node.children:
        if not (method.exclusive and child.namespace == EXC_C14N_NS and child.local == "InclusiveNamespaces"):
            raise _refuse(f"unexpected element {child.local} in {node.local}")
        prefixes = frozenset(child.attributes.get("PrefixList", "").split())
    return method, prefixes


def _hash(table: dict[str, HashAlgorithm], uri: str, allow_sha1: bool, what: str) -> HashAlgorithm:
    algorithm = table.get(uri)
    if algorithm is None:
        raise _refuse(f"unsupported {what} {uri}")
    if not accepted(algorithm, allow_sha1):
        raise _refuse(f"{what} {uri} uses SHA-1, which this receiver refuses")
    return algorithm


def _reference(node: Node, allow_sha1: bool) -> Reference:
    uri = node.attributes.get("URI", "")
    # Only a bare same-document Id can be tied to exactly one element of this signature.
    if not uri.startswith("#") or len(uri) < 2 or "(" in uri:
        raise _refuse(f"a Reference points elsewhere than an element of the signature ({uri or 'empty URI'})")
    children = _dsig_children(node)
    names = [child.local for child in children]
    if names not in (["DigestMethod", "DigestValue"], ["Transforms", "DigestMethod", "DigestValue"]):
        raise _refuse(f"a Reference holds {', '.join(names) or 'nothing'}")
    method, prefixes = INCLUSIVE, frozenset[str]()  # XML-DSig's default for an Id reference
    if names[0] == "Transforms":
        transforms = _dsig_children(children[0])
        if len(transforms) != 1 or transforms[0].local != "Transform":
            raise _refuse("a Reference must have exactly one canonicalization transform")
        method, prefixes = _c14n(transforms[0])
    digest_uri = _algorithm(children[-2])
    return Reference(
        target_id=uri[1:],
        c14n=method,
        inclusive_prefixes=prefixes,
        digest=_hash(DIGEST_METHODS, digest_uri, allow_sha1, "digest method"),
        digest_uri=digest_uri,
        digest_value=decode_base64(children[-1].text, "DigestValue"),
    )


def read_signed_info(node: Node, allow_sha1: bool) -> SignedInfo:
    children = _dsig_children(node)
    names = [child.local for child in children]
    if names[:2] != ["CanonicalizationMethod", "SignatureMethod"] or set(names[2:]) != {"Reference"}:
        raise _refuse("SignedInfo must hold CanonicalizationMethod, SignatureMethod and References")
    if len(names) - 2 > MAX_REFERENCES:
        raise _refuse(f"more than {MAX_REFERENCES} References")
    c14n, prefixes = _c14n(children[0])
    if children[1].children:
        raise _refuse("SignatureMethod parameters are not supported")
    signature_uri = _algorithm(children[1])
    references = tuple(_reference(child, allow_sha1) for child in children[2:])
    if len({ref.target_id for ref in references}) != len(references):
        raise _refuse("two References point to the same Id")
    return SignedInfo(
        c14n=c14n,
        c14n_prefixes=prefixes,
        signature_uri=signature_uri,
        signature_hash=_hash(SIGNATURE_METHODS, signature_uri, allow_sha1, "signature method"),
        references=references,
    )


def read_key_info_certificates(node: Node) -> list[x509.Certificate]:
    """The X.509 certificates carried in KeyInfo/X509Data; other key hints are ignored."""
    certificates = []
    for child in node.children:
        if child.namespace != DSIG_NS or child.local != "X509Data":
            continue
        for item in child.children:
            if item.namespace == DSIG_NS and item.local == "X509Certificate":
                der = decode_base64(item.text, "X509Certificate")
                try:
                    certificates.append(x509.load_der_x509_certificate(der))
                except ValueError:
                    raise _refuse("the certificate in KeyInfo cannot be read") from None
    return certificates
