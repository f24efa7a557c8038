"""Sender file metadata of both profiles: read and checked against the project's schemas, or written.

Metadata travels unencrypted and unsigned; it names the sender and receiver, which decide the keys.
Real senders deviate from the schema (the IRS's own sample has a compact FileCreateTs): deviations in
the fields the policy tolerates become warnings, any other makes the packet unreadable.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from typing import Any

from lxml import etree

from crypto.errors import UnreadablePacketError
from crypto.profiles import Profile
from exchange.errors import ExchangeError
from xsd import schema_file

MAX_METADATA_BYTES = 64 * 1024
_SCHEMAS = {
    Profile.CTS: ("cts_metadata_v1", "CtsSenderFileMetadata_v1.0.xsd"),
    Profile.IDES: ("ides_metadata_v1_1", "IdesSenderFileMetadata_v1.1.xsd"),
}
_ROOTS = {Profile.CTS: "CTSSenderFileMetadata", Profile.IDES: "FATCAIDESSenderFileMetadata"}
# Element names per profile for the fields the product uses.
_FIELDS = {
    Profile.CTS: {
        "sender": "CTSSenderCountryCd",
        "receiver": "CTSReceiverCountryCd",
        "communication_type": "CTSCommunicationTypeCd",
        "original_transmission_id": "OriginalCTSTransmissionId",
    },
    Profile.IDES: {
        "sender": "FATCAEntitySenderId",
        "receiver": "FATCAEntityReceiverId",
        "communication_type": "FATCAEntCommunicationTypeCd",
        "original_transmission_id": "OriginalIDESTransmissionId",
    },
}
_ORDER = {
    Profile.CTS: ("sender", "receiver", "communication_type", "SenderFileId", "FileFormatCd",
                  "BinaryEncodingSchemeCd", "FileCreateTs", "TaxYear", "FileRevisionInd",
                  "original_transmission_id", "SenderContactEmailAddressTxt"),
}  # fmt: skip
_ORDER[Profile.IDES] = _ORDER[Profile.CTS]
_ELEMENT_IN_ERROR = re.compile(r"Element '(?:\{[^}]*\})?([\w.-]+)'")
_COMPACT_TIMESTAMP = re.compile(r"(\d{4})(\d{2})(\d{2})T?(\d{2})(\d{2})(\d{2})(\d{0,6})Z?")


@dataclass(frozen=True)
class MetadataPolicy:
    """Which schema deviations are known in real packets and only warned about."""

    tolerated_fields: frozenset[str] = frozenset({"FileCreateTs"})


@dataclass(frozen=True)
class PacketMetadata:
    profile: Profile
    sender: str
    receiver: str
    communication_type: str
    sender_file_id: str
    created: datetime | None = None
    tax_year: int | None = None
    file_revision: bool | None = None
    original_transmission_id: str | None = None
    contact: str | None = None
    warnings: tuple[str, ...] = ()
    xml: bytes = field(default=b"", repr=False)

    def as_dict(self) -> dict[str, Any]:
        return {
            "profile": self.profile.value,
            "sender": self.sender,
            "receiver": self.receiver,
            "communication_type": self.communication_type,
            "sender_file_id": self.sender_file_id,
            "created": self.created.isoformat() if self.created else None,
            "tax_year": self.tax_year,
            "file_revision": self.file_revision,
            "original_transmission_id": self.original_transmission_id,
            "warnings": list(self.warnings),
        }


@cache
def metadata_schema(profile: Profile) -> etree.XMLSchema:
    folder, name = _SCHEMAS[profile]
    return etree.XMLSchema(etree.fromstring(schema_file(folder, name).read_bytes()))


def parse_timestamp(text: str) -> datetime | None:
    """ISO 8601, or the compact yyyyMMdd[T]HHmmss[fff][Z] some senders write; naive means UTC."""
    text = text.strip()
    compact = _COMPACT_TIMESTAMP.fullmatch(text)
    try:
        if compact:
            year, month, day, hour, minute, second, fraction = compact.groups()
            micro = int((fraction or "0").ljust(6, "0"))
            moment = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second), micro)
        else:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _parse_xml(xml: bytes) -> etree._Element:
    if len(xml) > MAX_METADATA_BYTES:
        raise UnreadablePacketError("the packet metadata is too large")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        root = etree.fromstring(xml, parser)
    except etree.XMLSyntaxError:
        raise UnreadablePacketError("the packet metadata is not well-formed XML") from None
    if root.getroottree().docinfo.doctype:
        raise UnreadablePacketError("the packet metadata has a DOCTYPE declaration")
    return root


def _profile_of(root: etree._Element) -> Profile:
    qname = etree.QName(root)
    for profile in Profile:
        if qname.namespace == profile.namespace and qname.localname == _ROOTS[profile]:
            return profile
    raise UnreadablePacketError(f"the packet metadata has an unknown root element {qname.localname}")


def _schema_findings(root: etree._Element, profile: Profile, policy: MetadataPolicy) -> list[str]:
    schema = metadata_schema(profile)
    if schema.validate(root):
        return []
    warnings: list[str] = []
    errors: list[str] = []
    for entry in schema.error_log:
        match = _ELEMENT_IN_ERROR.search(entry.message)
        element = match.group(1) if match else ""
        detail = re.sub(r" by the pattern .*", "", entry.message.split(": ", 1)[-1])
        text = f"metadata {element or 'document'}: {detail}"
        (warnings if element in policy.tolerated_fields else errors).append(text)
    if errors:
        raise UnreadablePacketError("the packet metadata is invalid: " + "; ".join(errors))
    return warnings


def read_metadata(xml: bytes, policy: MetadataPolicy | None = None) -> PacketMetadata:
    root = _parse_xml(xml)
    profile = _profile_of(root)
    warnings = _schema_findings(root, profile, policy or MetadataPolicy())
    values = {
        etree.QName(child).localname: (child.text or "").strip()
        for child in root
        if isinstance(child.tag, str)
    }
    names = _FIELDS[profile]
    created = parse_timestamp(values["FileCreateTs"]) if values.get("FileCreateTs") else None
    tax_year = values.get("TaxYear", "")
    revision = values.get("FileRevisionInd")
    return PacketMetadata(
        profile=profile,
        sender=values[names["sender"]],
        receiver=values[names["receiver"]],
        communication_type=values[names["communication_type"]],
        sender_file_id=values.get("SenderFileId", ""),
        created=created,
        tax_year=int(tax_year[:4]) if tax_year[:4].isdigit() else None,
        file_revision=None if revision is None else revision in {"true", "1"},
        original_transmission_id=values.get(names["original_transmission_id"]) or None,
        contact=values.get("SenderContactEmailAddressTxt") or None,
        warnings=tuple(warnings),
        xml=xml,
    )


def format_timestamp(moment: datetime) -> str:
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def render_metadata(metadata: PacketMetadata) -> bytes:
    """The metadata entry of a packet we send, checked against our own schema before it leaves."""
    profile = metadata.profile
    names = _FIELDS[profile]
    values: dict[str, str | None] = {
        "sender": metadata.sender,
        "receiver": metadata.receiver,
        "communication_type": metadata.communication_type,
        "SenderFileId": metadata.sender_file_id,
        "FileFormatCd": "XML",
        "BinaryEncodingSchemeCd": "NONE",
        "FileCreateTs": format_timestamp(metadata.created) if metadata.created else None,
        "TaxYear": str(metadata.tax_year) if metadata.tax_year is not None else None,
        "FileRevisionInd": None if metadata.file_revision is None else str(metadata.file_revision).lower(),
        "original_transmission_id": metadata.original_transmission_id,
        "SenderContactEmailAddressTxt": metadata.contact,
    }
    root = etree.Element(f"{{{profile.namespace}}}{_ROOTS[profile]}", nsmap={None: profile.namespace})
    for key in _ORDER[profile]:
        if values[key] is not None:
            etree.SubElement(root, f"{{{profile.namespace}}}{names.get(key, key)}").text = values[key]
    schema = metadata_schema(profile)
    if not schema.validate(root):
        problems = "; ".join(entry.message for entry in schema.error_log)
        raise ExchangeError(f"cannot write the packet metadata: {problems}")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
