"""Verify an enveloping XML signature while its document streams through (FACTS §4).

The signed document (the one element inside the signed `Object`) is handed on as it is read, in the
canonical form that was digested, so what is processed afterwards is exactly what was signed. The
signature value and the signer's certificate are checked before the first byte of it is handed on;
the digest, and so the verdict, is known only when the Object ends. Signature wrapping is refused by
construction: one Object, References only to the Object or KeyInfo of this signature, unique Ids.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from crypto.algorithms import DSIG_NS
from crypto.c14n import Canonicalizer, ContentCanonicalizer, EnvelopeGuard, prefix_of, render_start_tag
from crypto.dsig_model import (
    Reference,
    SignedInfo,
    decode_base64,
    read_key_info_certificates,
    read_signed_info,
)
from crypto.dsig_tree import Recording
from crypto.errors import FileErrorCode, PacketError
from crypto.expiry import fingerprint
from crypto.validity import ReceiptClock, refusal
from crypto.xmlsafe import ContentHandler, SafeXmlReader, XmlSyntaxError

XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'
_ID_ATTRIBUTES = frozenset({"Id", "ID", "id", "xml:id"})
_WHITESPACE = " \t\r\n"


def _refuse(message: str) -> PacketError:
    return PacketError(FileErrorCode.FAILED_SIGNATURE_CHECK, message)


@dataclass(frozen=True)
class SignerPolicy:
    """Who may have signed: the certificates registered for the sending party, judged at receipt."""

    party: str
    registered: Sequence[x509.Certificate]
    clock: ReceiptClock
    allow_sha1: bool = False


@dataclass(frozen=True)
class SignatureVerdict:
    """A signature that verified, and what it was checked with."""

    c14n: str
    c14n_uri: str
    signature_method: str
    references: tuple[str, ...]
    object_id: str
    signer_subject: str
    signer_fingerprint: str
    checked_at: datetime  # when the signer's certificate was judged: the time of receipt
    in_grace: bool = False  # accepted within the grace after the certificate's expiry

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["references"] = list(self.references)
        data["checked_at"] = self.checked_at.isoformat()
        return data


@dataclass
class _ActiveReference:
    reference: Reference
    kind: str
    canonicalizer: Canonicalizer
    parts: list[str]
    hasher: Any  # hashlib's hash object has no public type


def _ids(attributes: list[tuple[str, str]]) -> list[str]:
    return [value for name, value in attributes if name in _ID_ATTRIBUTES]


def _local(qname: str, scope: dict[str, str]) -> tuple[str, str]:
    prefix, _, local = qname.rpartition(":")
    return scope.get(prefix, ""), local


def choose_signer(key_info: list[x509.Certificate], policy: SignerPolicy) -> list[x509.Certificate]:
    """The registered certificates that may have made this signature, valid at receipt (crypto.validity)."""
    registered = {fingerprint(cert) for cert in policy.registered}
    if key_info:
        candidates = [cert for cert in key_info if fingerprint(cert) in registered]
        if not candidates:
            raise _refuse(f"the signer's certificate is not the one registered for {policy.party}")
    else:
        candidates = list(policy.registered)
    reasons = {fingerprint(cert): refusal(cert, policy.clock) for cert in candidates}
    valid = [cert for cert in candidates if reasons[fingerprint(cert)] is None]
    if not valid:
        why = "; ".join(sorted({reason for reason in reasons.values() if reason}))
        raise _refuse(f"the signer's certificate for {policy.party} {why}")
    return valid


class EnvelopingSignatureVerifier:
    """An XmlHandler for one `Signature` document; `output` receives the signed document's bytes."""

    def __init__(self, policy: SignerPolicy, output: list[bytes]) -> None:
        self._policy = policy
        self._output = output
        self._depth = 0
        self._children: list[str] = []
        self._recording: Recording | None = None
        self._active: _ActiveReference | None = None
        self._signature_xml_attributes: list[tuple[str, str]] = []
        self._early_ids: set[str] = set()
        self._signed_info: SignedInfo | None = None
        self._canonical_signed_info = b""
        self._signature_value = b""
        self._key_info: list[x509.Certificate] = []
        self._pending: dict[str, Reference] = {}
        self._met: dict[str, str] = {}
        self._signer: x509.Certificate | None = None
        self._object_id = ""
        self._payload_roots = 0
        self._emitting = False

    # -- events ------------------------------------------------------------------------------------
    def start(
        self,
        qname: str,
        attributes: list[tuple[str, str]],
        declarations: dict[str, str],
        scope: dict[str, str],
    ) -> ContentHandler | None:
        depth = self._depth
        self._depth = depth + 1
        if depth == 0:
            self._start_signature(qname, attributes, scope)
            return None
        if depth == 1:
            self._start_child(qname, attributes, scope)
        elif attributes:
            self._check_nested_ids(attributes)
        if self._recording is not None:
            self._recording.start(qname, attributes, declarations, scope)
        active = self._active
        if active is None:
            return None
        if active.kind == "Object" and depth == 2:
            return self._start_payload_root(qname, attributes, declarations, scope)
        active.canonicalizer.start(qname, attributes, declarations, scope)
        return None

    def end(self, qname: str) -> None:
        depth = self._depth = self._depth - 1
        if self._recording is not None:
            self._recording.end(qname)
        active = self._active
        if active is not None:
            active.canonicalizer.end(qname)
            if active.kind == "Object" and depth == 2:
                self._flush(emit=True)
                self._emitting = False
        if depth == 1:
            self._end_child()

    def text(self, data: str) -> None:
        if self._recording is not None:
            self._recording.text(data)
        active = self._active
        if active is not None:
            if self._depth == 2 and active.kind == "Object" and data.strip(_WHITESPACE):
                raise _refuse("the signed Object holds text beside its document")
            active.canonicalizer.text(data)
        elif self._depth == 1 and data.strip(_WHITESPACE):
            raise _refuse("the Signature holds text between its elements")

    def comment(self, data: str) -> None:
        if self._recording is not None:
            self._recording.comment(data)
        # Same-document Id references exclude comments: the canonicalizers drop them.

    def pi(self, target: str, data: str) -> None:
        if self._recording is not None:
            self._recording.pi(target, data)
        active = self._active
        if active is not None:
            if active.kind == "Object" and self._depth == 2:
                raise _refuse("the signed Object holds a processing instruction beside its document")
            active.canonicalizer.pi(target, data)
        elif self._depth >= 1:
            raise _refuse("processing instruction inside the Signature")

    # -- streaming ---------------------------------------------------------------------------------
    def flush(self) -> None:
        """Hash (and hand on) what the canonicalizer produced since the last call."""
        self._flush(emit=self._emitting)

    def _flush(self, emit: bool) -> None:
        active = self._active
        if active is None or not active.parts:
            return
        data = "".join(active.parts).encode("utf-8")
        active.parts.clear()
        active.hasher.update(data)
        if emit:
            self._output.append(data)

    def finish(self) -> SignatureVerdict:
        """The verdict, once the whole document was read; raises 50004 if anything is missing."""
        if "Object" not in self._children:
            raise _refuse("the signature holds no Object")
        if self._pending:
            raise _refuse("a Reference points to an Id that is not in the signature")
        if self._payload_roots != 1:
            raise _refuse("the signed Object holds no document")
        assert self._signer is not None and self._signed_info is not None, "checked when the Object opened"
        return SignatureVerdict(
            c14n=self._signed_info.c14n.name,
            c14n_uri=self._signed_info.c14n.uri,
            signature_method=self._signed_info.signature_uri,
            references=tuple(self._met.values()),
            object_id=self._object_id,
            signer_subject=self._signer.subject.rfc4514_string(),
            signer_fingerprint=fingerprint(self._signer),
            checked_at=self._policy.clock.received_at,
            in_grace=self._signer.not_valid_after_utc < self._policy.clock.received_at,
        )

    # -- structure ---------------------------------------------------------------------------------
    def _start_signature(self, qname: str, attributes: list[tuple[str, str]], scope: dict[str, str]) -> None:
        if _local(qname, scope) != (DSIG_NS, "Signature"):
            raise _refuse(f"the payload is not an enveloping XML signature (root {qname})")
        self._signature_xml_attributes = [(n, v) for n, v in attributes if n.startswith("xml:")]
        self._early_ids.update(_ids(attributes))

    def _start_child(self, qname: str, attributes: list[tuple[str, str]], scope: dict[str, str]) -> None:
        namespace, local = _local(qname, scope)
        if namespace != DSIG_NS:
            raise _refuse(f"unexpected element {qname} in the Signature")
        self._check_order(local)
        self._children.append(local)
        ids = _ids(attributes)
        if local == "SignedInfo":
            self._early_ids.update(ids)
            self._recording = Recording("SignedInfo")
        elif local == "SignatureValue":
            self._check_nested_ids(attributes)
            self._recording = Recording("SignatureValue")
        elif local == "KeyInfo":
            self._recording = Recording("KeyInfo")
            self._begin_reference(ids, "KeyInfo")
        else:
            self._begin_object(ids)

    def _check_order(self, local: str) -> None:
        expected_before = {
            "SignedInfo": ([],),
            "SignatureValue": (["SignedInfo"],),
            "KeyInfo": (["SignedInfo", "SignatureValue"],),
            "Object": (["SignedInfo", "SignatureValue"], ["SignedInfo", "SignatureValue", "KeyInfo"]),
        }
        if local == "Object" and "Object" in self._children:
            raise _refuse("the signature holds a second Object")
        allowed = expected_before.get(local)
        if allowed is None or self._children not in allowed:
            raise _refuse(f"unexpected {local} in the Signature")

    def _check_nested_ids(self, attributes: list[tuple[str, str]]) -> None:
        for value in _ids(attributes):
            self._check_nested_id(value)

    def _check_nested_id(self, value: str) -> None:
        if value in self._met:
            raise _refuse(f"duplicated Id {value!r}: the signed content may have been wrapped")
        if value in self._pending:
            raise _refuse(f"a Reference points to {value!r}, which is not the signed Object or KeyInfo")

    def _begin_reference(self, ids: list[str], kind: str) -> bool:
        for value in ids:
            if value in self._met:
                raise _refuse(f"duplicated Id {value!r}: the signed content may have been wrapped")
        targets = [value for value in ids if value in self._pending]
        if not targets:
            return False
        reference = self._pending.pop(targets[0])
        self._met[targets[0]] = kind
        # Id references never include comments, whatever the transform says.
        method = replace(reference.c14n, with_comments=False)
        parts: list[str] = []
        canonicalizer = Canonicalizer(
            method,
            parts,
            inherited_xml_attributes=self._signature_xml_attributes,
            inclusive_prefixes=reference.inclusive_prefixes,
        )
        self._active = _ActiveReference(
            reference, kind, canonicalizer, parts, hashlib.new(reference.digest.name)
        )
        return True

    def _begin_object(self, ids: list[str]) -> None:
        if not self._begin_reference(ids, "Object"):
            raise _refuse("the Object is not signed: no Reference points to it")
        self._object_id = next(value for value, kind in self._met.items() if kind == "Object")
        self._check_signer()

    def _start_payload_root(
        self,
        qname: str,
        attributes: list[tuple[str, str]],
        declarations: dict[str, str],
        scope: dict[str, str],
    ) -> ContentHandler:
        self._payload_roots += 1
        if self._payload_roots > 1:
            raise _refuse("the signed Object holds more than one element")
        active = self._active
        assert active is not None
        canonicalizer = active.canonicalizer
        self._flush(emit=False)
        envelope = canonicalizer.rendered_scope
        canonicalizer.start(qname, attributes, declarations, scope)
        self._flush(emit=False)
        rendered = canonicalizer.rendered_scope
        # Standing alone, the document must declare what it inherited from the Object's output scope,
        # except the envelope's own namespaces that it neither declares, uses on its root nor renders
        # there (the Signature's default namespace, typically): the guard refuses a document whose
        # content would rely on one of them.
        used = {prefix_of(qname), *(prefix_of(name) for name, _ in attributes if ":" in name)}
        foreign = frozenset(
            p
            for p, u in envelope.items()
            if (p or u) and p not in declarations and p not in used and rendered.get(p, "") == u
        )
        standalone = {p: u for p, u in rendered.items() if (p or u) and p not in foreign}
        canonicalizer.guard_content(EnvelopeGuard(foreign, self._relies_on_envelope))
        self._output.append(XML_DECLARATION + render_start_tag(qname, standalone, attributes, scope).encode())
        self._emitting = True
        # The document's content is the bulk of the file: it streams through the fast path.
        return ContentCanonicalizer(
            active.canonicalizer, watched=_ID_ATTRIBUTES, on_watched=self._check_nested_id
        )

    @staticmethod
    def _relies_on_envelope(prefix: str) -> None:
        name = f"prefix {prefix!r}" if prefix else "default namespace"
        raise _refuse(f"the signed document relies on the {name} of the Signature around it")

    def _end_child(self) -> None:
        local = self._children[-1]
        recording, self._recording = self._recording, None
        if local == "SignedInfo":
            assert recording is not None
            self._read_signed_info(recording)
        elif local == "SignatureValue":
            assert recording is not None
            self._signature_value = decode_base64(recording.tree().text, "SignatureValue")
        elif local == "KeyInfo":
            assert recording is not None
            self._key_info = read_key_info_certificates(recording.tree())
        if self._active is not None:
            self._end_reference(self._active)
            self._active = None

    def _read_signed_info(self, recording: Recording) -> None:
        signed_info = read_signed_info(recording.tree(), self._policy.allow_sha1)
        parts: list[str] = []
        recording.replay(
            Canonicalizer(
                signed_info.c14n,
                parts,
                inherited_xml_attributes=self._signature_xml_attributes,
                inclusive_prefixes=signed_info.c14n_prefixes,
            )
        )
        self._canonical_signed_info = "".join(parts).encode("utf-8")
        self._signed_info = signed_info
        self._pending = {ref.target_id: ref for ref in signed_info.references}
        if not self._early_ids.isdisjoint(self._pending):
            raise _refuse("a Reference points to the Signature or its SignedInfo")

    def _end_reference(self, active: _ActiveReference) -> None:
        self._flush(emit=False)
        if not hmac.compare_digest(active.hasher.digest(), active.reference.digest_value):
            raise _refuse(f"the digest of the signed {active.kind} does not match: the content was altered")

    def _check_signer(self) -> None:
        signed_info = self._signed_info
        if signed_info is None or not self._signature_value:
            raise _refuse("SignedInfo and SignatureValue must precede the Object")
        for certificate in choose_signer(self._key_info, self._policy):
            public_key = certificate.public_key()
            if not isinstance(public_key, rsa.RSAPublicKey):
                continue
            try:
                public_key.verify(
                    self._signature_value,
                    self._canonical_signed_info,
                    padding.PKCS1v15(),
                    signed_info.signature_hash.factory(),
                )
            except InvalidSignature:
                continue
            self._signer = certificate
            return
        raise _refuse(
            f"the signature value does not verify with the certificate registered for {self._policy.party}"
        )


class VerifiedDocument:
    """Streams the signed document out of a signature document; `verdict` is set at the end."""

    def __init__(self, chunks: Iterable[bytes], policy: SignerPolicy, max_depth: int) -> None:
        self._chunks = chunks
        self._policy = policy
        self._max_depth = max_depth
        self.verdict: SignatureVerdict | None = None

    def __iter__(self) -> Iterator[bytes]:
        output: list[bytes] = []
        verifier = EnvelopingSignatureVerifier(self._policy, output)
        reader = SafeXmlReader(verifier, self._max_depth)
        try:
            for chunk in self._chunks:
                reader.feed(chunk)
                verifier.flush()
                if output:
                    yield from output
                    output.clear()
            reader.close()
        except XmlSyntaxError as exc:
            # Not well-formed XML in UTF-8: the file's verdict is 50007, as `exchange validate` gives it.
            raise PacketError(FileErrorCode.FAILED_SCHEMA_VALIDATION, f"the signed file is {exc}") from None
        verifier.flush()
        verdict = verifier.finish()
        yield from output
        self.verdict = verdict
