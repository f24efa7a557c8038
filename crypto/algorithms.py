"""The XML-signature algorithm identifiers we understand, and which of them a policy accepts."""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes

DSIG_NS = "http://www.w3.org/2000/09/xmldsig#"
XML_NS = "http://www.w3.org/XML/1998/namespace"
EXC_C14N_NS = "http://www.w3.org/2001/10/xml-exc-c14n#"


@dataclass(frozen=True)
class C14nMethod:
    uri: str
    exclusive: bool
    with_comments: bool

    @property
    def name(self) -> str:
        return ("exclusive" if self.exclusive else "inclusive") + ("+comments" if self.with_comments else "")


INCLUSIVE = C14nMethod(
    "http://www.w3.org/TR/2001/REC-xml-c14n-20010315", exclusive=False, with_comments=False
)
INCLUSIVE_WITH_COMMENTS = C14nMethod(INCLUSIVE.uri + "#WithComments", exclusive=False, with_comments=True)
EXCLUSIVE = C14nMethod(EXC_C14N_NS, exclusive=True, with_comments=False)
EXCLUSIVE_WITH_COMMENTS = C14nMethod(EXC_C14N_NS + "WithComments", exclusive=True, with_comments=True)
C14N_METHODS = {m.uri: m for m in (INCLUSIVE, INCLUSIVE_WITH_COMMENTS, EXCLUSIVE, EXCLUSIVE_WITH_COMMENTS)}


@dataclass(frozen=True)
class HashAlgorithm:
    name: str
    factory: type[hashes.HashAlgorithm]
    weak: bool = False


_SHA1 = HashAlgorithm("sha1", hashes.SHA1, weak=True)
_SHA256 = HashAlgorithm("sha256", hashes.SHA256)
_SHA384 = HashAlgorithm("sha384", hashes.SHA384)
_SHA512 = HashAlgorithm("sha512", hashes.SHA512)

SHA256_DIGEST = "http://www.w3.org/2001/04/xmlenc#sha256"
DIGEST_METHODS = {
    "http://www.w3.org/2000/09/xmldsig#sha1": _SHA1,
    SHA256_DIGEST: _SHA256,
    "http://www.w3.org/2001/04/xmldsig-more#sha384": _SHA384,
    "http://www.w3.org/2001/04/xmlenc#sha512": _SHA512,
}

RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
SIGNATURE_METHODS = {
    "http://www.w3.org/2000/09/xmldsig#rsa-sha1": _SHA1,
    RSA_SHA256: _SHA256,
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384": _SHA384,
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512": _SHA512,
}


def accepted(algorithm: HashAlgorithm, allow_sha1: bool) -> bool:
    return allow_sha1 or not algorithm.weak
