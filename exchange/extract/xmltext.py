"""Reading values out of lxml elements without trusting that the schema was met.

The extractor runs on elements whose schema findings are already reported, and a schema-invalid file
is rejected whatever its records say; so a missing child or an unparsable value yields None here, never
an exception. Children are matched by local name: every format spreads its elements over several
namespaces (crs, cfc, stf, sfa...), and the parent already tells which element is meant.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from lxml import etree

# xsd:date and xsd:dateTime may carry a zone; a date's zone says nothing a reporting period needs.
_DATE_ZONE = re.compile(r"(Z|[+-]\d\d:\d\d)$")
# xsd:dateTime writes the midnight that ends a day as 24:00:00; Python's datetime knows only the 00:00:00
# that starts the next one, which is the same moment.
_END_OF_DAY = re.compile(r"T24:00:00(\.0+)?(?=Z|[+-]\d\d:\d\d|$)")


def local_name(element: etree._Element) -> str:
    """The element's name without its namespace; "" for a comment or a processing instruction, which
    therefore matches no field."""
    tag = element.tag
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def namespace(element: etree._Element) -> str:
    tag = element.tag
    return tag[1:].partition("}")[0] if isinstance(tag, str) and tag.startswith("{") else ""


def text(element: etree._Element | None) -> str | None:
    """The element's text, stripped; None for a missing element or an empty one."""
    if element is None:
        return None
    value = element.text  # read once: lxml builds a new string at every access
    return None if value is None else value.strip() or None


# The builders walk each element's children once, in a plain loop, and take each child by its local
# name: a search of the siblings per field (even lxml's, in C) was most of the extraction's cost, since
# most fields are optional and absent; and a generator over the children costed as much again.


def leaf_fields(
    element: etree._Element, single: Mapping[str, str], repeated: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """Keyword arguments read from an element whose children are leaves: a child named in `single` gives
    its field the text of its first occurrence; one named in `repeated` adds its text, when it has one,
    to its field's tuple. Children named in neither are left out."""
    values: dict[str, Any] = {}
    for child in element:
        tag = child.tag
        if not isinstance(tag, str):
            continue  # a comment or a processing instruction
        local = tag.rpartition("}")[2]
        field = single.get(local)
        if field is not None:
            if field not in values:
                values[field] = text(child)
        elif repeated is not None and (field := repeated.get(local)) is not None:
            value = text(child)
            if value is not None:
                values[field] = (*values.get(field, ()), value)
    return values


def attribute(element: etree._Element | None, name: str) -> str | None:
    if element is None:
        return None
    value = element.get(name)
    return None if value is None else value.strip() or None


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
    """xsd:date, or None when it is no date `date` can hold (a year beyond 9999 or before 1, which xsd:date
    allows): a caller that stores the value must say so, not store None in silence."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value if len(value) == 10 else _DATE_ZONE.sub("", value))
    except ValueError:
        return None


def parse_datetime(value: str | None) -> datetime | None:
    """xsd:dateTime, naive when the file gives no zone (the record keeps what the file says); None, as
    for `parse_date`, when no `datetime` can hold it."""
    if value is None:
        return None
    end_of_day = _END_OF_DAY.search(value)
    try:
        if end_of_day is None:
            return datetime.fromisoformat(value)
        return datetime.fromisoformat(_END_OF_DAY.sub("T00:00:00", value)) + timedelta(days=1)
    except (ValueError, OverflowError):
        return None
