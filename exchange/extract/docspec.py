"""DocSpec: what identifies a record and says what it does to its correction chain."""

from __future__ import annotations

from lxml import etree

from exchange.extract.xmltext import child, child_text
from exchange.records import DocSpec


def doc_spec(record: etree._Element) -> DocSpec | None:
    """The record's DocSpec, or None when it lacks DocTypeIndic or DocRefId: without them the record
    cannot be named in a finding nor placed in a chain, and the schema finding already covers it."""
    spec = child(record, "DocSpec")
    if spec is None:
        return None
    doc_type_indic = child_text(spec, "DocTypeIndic")
    doc_ref_id = child_text(spec, "DocRefId")
    if doc_type_indic is None or doc_ref_id is None:
        return None
    return DocSpec(
        doc_type_indic=doc_type_indic,
        doc_ref_id=doc_ref_id,
        corr_doc_ref_id=child_text(spec, "CorrDocRefId"),
        corr_message_ref_id=child_text(spec, "CorrMessageRefId"),
    )
