"""Reading values out of lxml elements without trusting that the schema was met.

The extractor runs on elements whose schema findings are already reported, and a schema-invalid file
is rejected whatever its records say; so a missing child or an unparsable value yields None here, never
an exception. Children are matched by local name: every format spreads its elements over several
namespaces (crs, cfc, stf, sfa...), and the parent already tells which element is meant.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from lxml import etree

# xsd:date and xsd:dateTime may carry a zone; a date's zone says nothing a reporting period needs.
_DATE_ZONE = re.compile(r"(Z|[+-]\d\d:\d\d)$")


def local_name(element: etree._Element) -> str:
    tag = element.tag
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def namespace(element: etree._Element) -> str:
    tag = element.tag
    return tag[1:].partition("}")[0] if isinstance(tag, str) and tag.startswith("{") else ""


def children(element: etree._Element, name: str) -> Iterator[etree._Element]:
    """The direct children with this local name, in document order (comments skipped)."""
    # "{*}name" matches the local name in any namespace or none, and lxml filters in C: the extractor
    # asks for a child millions of times in a large file, and a Python loop over the siblings was its
    # main cost.
    return element.iterchildren("{*}" + name)


def child(element: etree._Element, name: str) -> etree._Element | None:
    return next(element.iterchildren("{*}" + name), None)


def text(element: etree._Element | None) -> str | None:
    """The element's text, stripped; None for a missing element or an empty one."""
    if element is None or element.text is None:
        return None
    value = element.text.strip()
    return value or None


def child_text(element: etree._Element, name: str) -> str | None:
    found = next(element.iterchildren("{*}" + name), None)
    if found is None or found.text is None:
        return None
    return found.text.strip() or None


def child_texts(element: etree._Element, name: str) -> tuple[str, ...]:
    return tuple(value for value in (text(item) for item in children(element, name)) if value is not None)


def texts_by_name(element: etree._Element) -> dict[str, list[str | None]]:
    """The children's texts (as `text` gives them) by local name, in document order: one pass for an
    element most of whose optional children are asked for, where a lookup per name would scan it again
    for each. `first` and `present` read it as `child_text` and `child_texts` read the element."""
    found: dict[str, list[str | None]] = {}
    for item in element.iterchildren(etree.Element):  # elements only: no comments, PIs or entities
        found.setdefault(local_name(item), []).append(text(item))
    return found


def first(texts: dict[str, list[str | None]], name: str) -> str | None:
    values = texts.get(name)
    return values[0] if values else None


def present(texts: dict[str, list[str | None]], name: str) -> tuple[str, ...]:
    return tuple(value for value in texts.get(name, ()) if value is not None)


def attribute(element: etree._Element | None, name: str) -> str | None:
    if element is None:
        return None
    value = element.get(name)
    return value.strip() if value is not None and value.strip() else None


def parse_decimal(value: str | None) -> Decimal | None:
    if value is None:
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def parse_int(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        return None


def parse_bool(value: str | None) -> bool | None:
    """xsd:boolean: true, false, 1 or 0."""
    return {"true": True, "1": True, "false": False, "0": False}.get(value or "")


def parse_date(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(_DATE_ZONE.sub("", value))
    except ValueError:
        return None


def parse_datetime(value: str | None) -> datetime | None:
    """xsd:dateTime, naive when the file gives no zone (the record keeps what the file says)."""
    if value is None:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None
