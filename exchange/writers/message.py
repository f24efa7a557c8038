"""What every OECD format's writer shares: the document's frame, its MessageSpec and the DocSpec.

CRS, DPI and CbC spell the same header with small differences (the sending entity's element name, one
or several receiving countries, whether the message names the messages it corrects, the MessageType the
format allows): a `Vocabulary` holds them, so the header and the DocSpec are written once for all three.
The body of each format stays in its own writer.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from lxml import etree

from exchange.records import Address, DocSpec, MessageHeader

Writer = Any  # lxml's incremental writer has no public type


@dataclass(frozen=True)
class Vocabulary:
    """One format's names: its namespaces, its root and body elements and its MessageSpec's spelling."""

    namespace: str  # the format's own elements
    stf: str  # the DocSpec's children (the format's stf namespace)
    nsmap: dict[str, str]
    root: str  # CRS_OECD, DPI_OECD, CBC_OECD
    version: str
    body: str  # CrsBody, DPIBody, CbcBody
    sending_in: str  # SendingCompanyIN (CRS) or SendingEntityIN (DPI, CbC)
    default_message_type_indic: str
    # The one MessageType the format allows (DPI, CBC); None: the header's (CRS).
    message_type: str | None = None
    many_receivers: bool = False  # CbC: one ReceivingCountry per receiving jurisdiction
    names_corrected_messages: bool = True  # DPI's MessageSpec has no CorrMessageRefId

    def tag(self, name: str) -> str:
        return f"{{{self.namespace}}}{name}"

    def child(
        self, parent: etree._Element, name: str, text: str | None, **attributes: str | None
    ) -> etree._Element:
        """A sub-element of the format's own namespace; attributes that are None are left out."""
        return child(parent, self.tag(name), text, **attributes)


def child(parent: etree._Element, tag: str, text: str | None, **attributes: str | None) -> etree._Element:
    """A sub-element by its full tag; attributes that are None are left out."""
    element = etree.SubElement(parent, tag, {k: v for k, v in attributes.items() if v is not None})
    element.text = text
    return element


def address(parent: etree._Element, address: Address, namespace: str, parts: str) -> None:
    """An Address with its CountryCode, AddressFix parts in the schemas' order (the ones given) and
    AddressFree. `namespace` holds the Address element, `parts` its children: the format's own for DPI
    and CbC, the common types' for CRS and FATCA."""
    element = child(parent, f"{{{namespace}}}Address", None, legalAddressType=address.legal_address_type)
    child(element, f"{{{parts}}}CountryCode", address.country_code)
    if address.fix is not None:
        fix = child(element, f"{{{parts}}}AddressFix", None)
        given = address.fix
        for name, value in (
            ("Street", given.street),
            ("BuildingIdentifier", given.building_identifier),
            ("SuiteIdentifier", given.suite_identifier),
            ("FloorIdentifier", given.floor_identifier),
            ("DistrictName", given.district_name),
            ("POB", given.pob),
            ("PostCode", given.post_code),
            ("City", given.city),
            ("CountrySubentity", given.country_subentity),
        ):
            if value is not None:
                child(fix, f"{{{parts}}}{name}", value)
    if address.free is not None or address.fix is None:
        child(element, f"{{{parts}}}AddressFree", address.free or "")


def doc_spec(parent: etree._Element, spec: DocSpec, vocabulary: Vocabulary) -> None:
    """The DocSpec: type and reference always (the schemas require them), the corrected ones when given."""
    element = child(parent, vocabulary.tag("DocSpec"), None)
    child(element, f"{{{vocabulary.stf}}}DocTypeIndic", spec.doc_type_indic)
    child(element, f"{{{vocabulary.stf}}}DocRefId", spec.doc_ref_id)
    if spec.corr_message_ref_id:
        child(element, f"{{{vocabulary.stf}}}CorrMessageRefId", spec.corr_message_ref_id)
    if spec.corr_doc_ref_id:
        child(element, f"{{{vocabulary.stf}}}CorrDocRefId", spec.corr_doc_ref_id)


def replace_doc_spec(element: etree._Element, spec: DocSpec, vocabulary: Vocabulary) -> etree._Element:
    """`element` (a record written before) under another DocSpec, in the place its DocSpec has: an
    outbound copy of a submitted record, or a withdrawal of what a partner holds."""
    current = element.find(vocabulary.tag("DocSpec"))
    if current is None:
        raise ValueError(f"{element.tag!r} has no DocSpec")
    fresh = etree.Element(vocabulary.tag("DocSpec"))
    doc_spec(fresh, spec, vocabulary)
    current[:] = list(fresh[0])
    return element


def message_spec(header: MessageHeader, vocabulary: Vocabulary) -> etree._Element:
    """The MessageSpec in the order all three schemas share."""
    tag = vocabulary.tag
    element = etree.Element(tag("MessageSpec"), nsmap=vocabulary.nsmap)
    if header.sending_company_in:
        child(element, tag(vocabulary.sending_in), header.sending_company_in)
    child(element, tag("TransmittingCountry"), header.transmitting_country)
    receivers = header.receiving_countries if vocabulary.many_receivers else ()
    for country in receivers or (header.receiving_country,):
        child(element, tag("ReceivingCountry"), country)
    child(element, tag("MessageType"), vocabulary.message_type or header.message_type)
    if header.warning:
        child(element, tag("Warning"), header.warning)
    if header.contact:
        child(element, tag("Contact"), header.contact)
    child(element, tag("MessageRefId"), header.message_ref_id)
    child(
        element, tag("MessageTypeIndic"), header.message_type_indic or vocabulary.default_message_type_indic
    )
    if vocabulary.names_corrected_messages:
        for corrected in header.corr_message_ref_ids:
            child(element, tag("CorrMessageRefId"), corrected)
    child(element, tag("ReportingPeriod"), header.reporting_period.isoformat())
    child(element, tag("Timestamp"), header.timestamp.strftime("%Y-%m-%dT%H:%M:%S"))
    return element


@contextmanager
def message_frame(target: Path | BinaryIO, header: MessageHeader, vocabulary: Vocabulary) -> Iterator[Writer]:
    """Open the document, write its MessageSpec and yield the incremental writer inside the root, for
    a writer of several bodies (an outbound CRS message: one CrsBody per reporting institution).

    A path is written and closed; a caller's stream is written and left open.
    """
    handle: AbstractContextManager[Any] = target.open("wb") if isinstance(target, Path) else _borrowed(target)
    with handle as out, etree.xmlfile(out, encoding="UTF-8") as xml:
        xml.write_declaration()
        root = vocabulary.tag(vocabulary.root)
        with xml.element(root, {"version": vocabulary.version}, nsmap=vocabulary.nsmap):
            xml.write(message_spec(header, vocabulary))
            yield xml


@contextmanager
def document(target: Path | BinaryIO, header: MessageHeader, vocabulary: Vocabulary) -> Iterator[Writer]:
    """`message_frame` with the one body open: the writer yielded is inside it."""
    with message_frame(target, header, vocabulary) as xml, xml.element(vocabulary.tag(vocabulary.body)):
        yield xml


class _borrowed(AbstractContextManager[BinaryIO]):  # noqa: N801 - reads as a function at the call site
    """A caller's stream, used without closing it."""

    def __init__(self, stream: BinaryIO) -> None:
        self.stream = stream

    def __enter__(self) -> BinaryIO:
        return self.stream

    def __exit__(self, *exc: object) -> None:
        return None
