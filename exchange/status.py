"""The CRS status message (csm:v2) we send back for a received file: accepted or rejected, and why.

Built from the findings of every check: each file-level finding becomes a FileError, each record-level
finding a RecordError with its DocRefIds and field paths. Any file error rejects the whole file; record
errors alone leave it accepted. The message is addressed from our home jurisdiction to the jurisdiction
that sent the file, and names the product and its version as the validator.

    message = build_status_message(OriginalMessage("NL2026BE123", sender="NL"), findings, home="BE")
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

NAMESPACE = "urn:oecd:ties:csm:v2"
VERSION = "2.0"
MESSAGE_TYPE = "CRSMessageStatus"
VALIDATED_BY = f"exchange {__version__}"

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
) -> etree._Element:
    """The status message for `original` given everything found wrong with it (possibly nothing)."""
    _require_country(home, "home jurisdiction")
    _require_country(original.sender, "sender")
    if not original.message_ref_id:
        raise ValueError("the original MessageRefId is required")
    found = list(findings)
    when = (timestamp or datetime.now(UTC)).astimezone(UTC)
    root = etree.Element(_q("CRSStatusMessage_OECD"), nsmap={"csm": NAMESPACE}, version=VERSION)
    _message_spec(
        root, home, original.sender, message_ref_id or new_message_ref_id(home, original.sender, when), when
    )
    body = etree.SubElement(root, _q("CrsStatusMessage"))
    _original_message(body, original)
    _validation_errors(body, found)
    result = etree.SubElement(body, _q("ValidationResult"))
    _text(result, "Status", file_status(found))
    for tool in validated_by:
        _text(result, "ValidatedBy", tool)
    return root


def to_bytes(message: etree._Element) -> bytes:
    return etree.tostring(message, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _message_spec(root: etree._Element, home: str, sender: str, message_ref_id: str, when: datetime) -> None:
    spec = etree.SubElement(root, _q("MessageSpec"))
    _text(spec, "TransmittingCountry", home)
    _text(spec, "ReceivingCountry", sender)
    _text(spec, "MessageType", MESSAGE_TYPE)
    _text(spec, "MessageRefId", message_ref_id)
    _text(spec, "Timestamp", _datetime(when))


def _original_message(body: etree._Element, original: OriginalMessage) -> None:
    element = etree.SubElement(body, _q("OriginalMessage"))
    _text(element, "OriginalMessageRefID", original.message_ref_id)
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
        file_meta = etree.SubElement(element, _q("FileMetaData"))
        for name, value in meta:
            if value is not None:
                _text(file_meta, name, value)


def _validation_errors(body: etree._Element, findings: list[Finding]) -> None:
    # The element is always there, empty for a clean file; file errors come before record errors.
    errors = etree.SubElement(body, _q("ValidationErrors"))
    for finding in findings:
        if finding.level == "file":
            _file_error(errors, finding)
    for finding in findings:
        if finding.level == "record":
            _record_error(errors, finding)


def _file_error(errors: etree._Element, finding: Finding) -> None:
    element = etree.SubElement(errors, _q("FileError"))
    _text(element, "Code", str(finding.code))
    _details(element, finding)


def _record_error(errors: etree._Element, finding: Finding) -> None:
    element = etree.SubElement(errors, _q("RecordError"))
    _text(element, "Code", str(finding.code))
    _details(element, finding)
    for doc_ref_id in finding.doc_ref_ids:
        if doc_ref_id:
            _text(element, "DocRefIDInError", doc_ref_id[:_DOC_REF_ID_MAX])
    for field_path in finding.field_paths:
        if field_path:
            fields = etree.SubElement(element, _q("FieldsInError"))
            _text(fields, "FieldPath", field_path[:_FIELD_PATH_MAX])


def _details(element: etree._Element, finding: Finding) -> None:
    details = finding.details().strip()
    if details:
        _text(element, "Details", details[:_DETAILS_MAX])


def _text(parent: etree._Element, name: str, value: str) -> etree._Element:
    child = etree.SubElement(parent, _q(name))
    child.text = value
    return child


def _q(name: str) -> str:
    return f"{{{NAMESPACE}}}{name}"


def _datetime(value: datetime) -> str:
    if value.tzinfo is None:
        return value.isoformat(timespec="seconds")
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _require_country(code: str, what: str) -> None:
    if not _COUNTRY.fullmatch(code):
        raise ValueError(f"the {what} must be a two-letter country code, not {code!r}")
