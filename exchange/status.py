"""The status message we send back for a received file: accepted or rejected, and why.

Each report format has its own status message, the same shape in its own namespace (`StatusProfile`): the
CRS status message (csm:v2, which also answers FATCA files here), the DPI status message and the CbC
status message; `profile_for` picks it from the answered file's format.

Built from the findings of every check: each file-level finding becomes a FileError, each record-level
finding a RecordError with its DocRefIds and field paths. Any file error rejects the whole file; record
errors alone leave it accepted. The message is addressed from our home jurisdiction to the jurisdiction
that sent the file, and names the product and its version as the validator.

    message = build_status_message(OriginalMessage("NL2026BE123", sender="NL"), findings, home="BE",
                                   profile=profile_for("dpi"))
    payload = to_bytes(message)          # then signed and encrypted for the sender by `crypto`
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from lxml import etree

from exchange import __version__
from exchange.validation.findings import Finding

VALIDATED_BY = f"exchange {__version__}"


@dataclass(frozen=True)
class StatusProfile:
    """One format's status message: its namespace, root and body element, MessageType and version."""

    namespace: str
    root: str
    body: str
    message_type: str
    version: str
    prefix: str


CRS_STATUS = StatusProfile(
    "urn:oecd:ties:csm:v2", "CRSStatusMessage_OECD", "CrsStatusMessage", "CRSMessageStatus", "2.0", "csm"
)
# DPI and CbC: the namespaces and roots are FACTS.md §3's; that they repeat the CRS message's structure,
# and their MessageType values, are this product's reading (uncertain, see exchange/formats/FACTS.md).
DPI_STATUS = StatusProfile(
    "urn:oecd:ties:dsm:v1", "DPIStatusMessage_OECD", "DPIStatusMessage", "DPIMessageStatus", "1.0", "dsm"
)
CBC_STATUS = StatusProfile(
    "urn:oecd:ties:cbcstm:v2",
    "CbCStatusMessage_OECD",
    "CbCStatusMessage",
    "CbCMessageStatus",
    "2.0",
    "cbcstm",
)
_BY_FORMAT = {"dpi": DPI_STATUS, "cbc": CBC_STATUS}
_BY_MODULE = {"DPI": DPI_STATUS, "CBC": CBC_STATUS}  # CTS communication types, for an unread file

# The CRS message's names, as before profiles.
NAMESPACE = CRS_STATUS.namespace
VERSION = CRS_STATUS.version
MESSAGE_TYPE = CRS_STATUS.message_type


def profile_for(format_name: str | None, communication_type: str | None = None) -> StatusProfile:
    """The status message answering a file of this format; for a file whose document could not be read,
    the one its packet's CTS communication type names. CRS's otherwise (CRS, FATCA, unknown)."""
    if format_name in _BY_FORMAT:
        return _BY_FORMAT[format_name]
    if format_name is None and communication_type is not None:
        return _BY_MODULE.get(communication_type.removesuffix("Status").upper(), CRS_STATUS)
    return CRS_STATUS


# The schema's string limits: longer texts are cut rather than producing a message the partner refuses.
_DETAILS_MAX = 4000
_DOC_REF_ID_MAX = 200
_FIELD_PATH_MAX = 4000
_COUNTRY = re.compile(r"[A-Z]{2}")

Status = Literal["Accepted", "Rejected"]


@dataclass(frozen=True)
class OriginalMessage:
    """The file being answered."""

    message_ref_id: str
    sender: str  # jurisdiction that sent it: the status message's ReceivingCountry
    cts_transmission_id: str | None = None
    cts_sending_timestamp: datetime | None = None
    uncompressed_size_kb: int | None = None


def file_status(findings: Iterable[Finding]) -> Status:
    return "Rejected" if any(finding.rejects_file for finding in findings) else "Accepted"


def new_message_ref_id(home: str, sender: str, when: datetime) -> str:
    """A unique MessageRefId in the OECD pattern: sending country, year, receiving country, unique id."""
    return f"{home}{when.year}{sender}{uuid.uuid4().hex}"


def build_status_message(
    original: OriginalMessage,
    findings: Iterable[Finding],
    *,
    home: str,
    message_ref_id: str | None = None,
    timestamp: datetime | None = None,
    validated_by: Sequence[str] = (VALIDATED_BY,),
    profile: StatusProfile = CRS_STATUS,
) -> etree._Element:
    """The status message for `original` given everything found wrong with it (possibly nothing)."""
    _require_country(home, "home jurisdiction")
    _require_country(original.sender, "sender")
    if not original.message_ref_id:
        raise ValueError("the original MessageRefId is required")
    found = list(findings)
    when = (timestamp or datetime.now(UTC)).astimezone(UTC)
    q = _Names(profile.namespace)
    root = etree.Element(q(profile.root), nsmap={profile.prefix: profile.namespace}, version=profile.version)
    spec = etree.SubElement(root, q("MessageSpec"))
    q.text(spec, "TransmittingCountry", home)
    q.text(spec, "ReceivingCountry", original.sender)
    q.text(spec, "MessageType", profile.message_type)
    q.text(spec, "MessageRefId", message_ref_id or new_message_ref_id(home, original.sender, when))
    q.text(spec, "Timestamp", _datetime(when))
    body = etree.SubElement(root, q(profile.body))
    _original_message(q, body, original)
    _validation_errors(q, body, found)
    result = etree.SubElement(body, q("ValidationResult"))
    q.text(result, "Status", file_status(found))
    for tool in validated_by:
        q.text(result, "ValidatedBy", tool)
    return root


def to_bytes(message: etree._Element) -> bytes:
    return etree.tostring(message, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _original_message(q: _Names, body: etree._Element, original: OriginalMessage) -> None:
    element = etree.SubElement(body, q("OriginalMessage"))
    q.text(element, "OriginalMessageRefID", original.message_ref_id)
    meta = [
        ("CTSTransmissionID", original.cts_transmission_id),
        (
            "CTSSendingTimeStamp",
            _datetime(original.cts_sending_timestamp) if original.cts_sending_timestamp else None,
        ),
        (
            "UncompressedFileSizeKBQty",
            None if original.uncompressed_size_kb is None else str(original.uncompressed_size_kb),
        ),
    ]
    if any(value is not None for _, value in meta):
        file_meta = etree.SubElement(element, q("FileMetaData"))
        for name, value in meta:
            if value is not None:
                q.text(file_meta, name, value)


def _validation_errors(q: _Names, body: etree._Element, findings: list[Finding]) -> None:
    # The element is always there, empty for a clean file; file errors come before record errors.
    errors = etree.SubElement(body, q("ValidationErrors"))
    for finding in findings:
        if finding.level == "file":
            _file_error(q, errors, finding)
    for finding in findings:
        if finding.level == "record":
            _record_error(q, errors, finding)


def _file_error(q: _Names, errors: etree._Element, finding: Finding) -> None:
    element = etree.SubElement(errors, q("FileError"))
    q.text(element, "Code", str(finding.code))
    _details(q, element, finding)


def _record_error(q: _Names, errors: etree._Element, finding: Finding) -> None:
    element = etree.SubElement(errors, q("RecordError"))
    q.text(element, "Code", str(finding.code))
    _details(q, element, finding)
    for doc_ref_id in finding.doc_ref_ids:
        if doc_ref_id:
            q.text(element, "DocRefIDInError", doc_ref_id[:_DOC_REF_ID_MAX])
    for field_path in finding.field_paths:
        if field_path:
            fields = etree.SubElement(element, q("FieldsInError"))
            q.text(fields, "FieldPath", field_path[:_FIELD_PATH_MAX])


def _details(q: _Names, element: etree._Element, finding: Finding) -> None:
    details = finding.details().strip()
    if details:
        q.text(element, "Details", details[:_DETAILS_MAX])


class _Names:
    """Element names in one status message's namespace."""

    def __init__(self, namespace: str) -> None:
        self._prefix = f"{{{namespace}}}"

    def __call__(self, name: str) -> str:
        return self._prefix + name

    def text(self, parent: etree._Element, name: str, value: str) -> etree._Element:
        child = etree.SubElement(parent, self._prefix + name)
        child.text = value
        return child


def _datetime(value: datetime) -> str:
    if value.tzinfo is None:
        return value.isoformat(timespec="seconds")
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _require_country(code: str, what: str) -> None:
    if not _COUNTRY.fullmatch(code):
        raise ValueError(f"the {what} must be a two-letter country code, not {code!r}")
