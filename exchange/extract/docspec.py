"""DocSpec: what identifies a record and says what it does to its correction chain."""

from __future__ import annotations

from lxml import etree

from exchange.extract.xmltext import leaf_fields
from exchange.records import DocSpec

_FIELDS = {
    "DocTypeIndic": "doc_type_indic",
    "DocRefId": "doc_ref_id",
    "CorrDocRefId": "corr_doc_ref_id",
    "CorrMessageRefId": "corr_message_ref_id",
}


def doc_spec(element: etree._Element | None) -> DocSpec | None:
    """The DocSpec element's content, or None when it lacks DocTypeIndic or DocRefId: without them the
    record cannot be named in a finding nor placed in a chain, and the schema finding already covers it."""
    if element is None:
        return None
    values = leaf_fields(element, _FIELDS)
    if values.get("doc_type_indic") is None or values.get("doc_ref_id") is None:
        return None
    return DocSpec(**values)
