"""Elements handed over the way `StreamPass` hands them: each record complete, its ancestors open,
everything before it cleared and removed, so that no test can lean on the tree being whole."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

from lxml import etree

RECORDS = frozenset({"ReportingFI", "Sponsor", "Intermediary", "AccountReport", "PoolReport", "NilReport"})
KEPT = RECORDS | {"MessageSpec"}


def _local(element: etree._Element) -> str:
    return str(element.tag).rpartition("}")[2]


def _release(element: etree._Element) -> None:
    element.clear(keep_tail=False)
    parent = element.getparent()
    if parent is not None:
        while element.getprevious() is not None:
            del parent[0]


def _in_kept(element: etree._Element) -> bool:
    return any(_local(ancestor) in KEPT for ancestor in element.iterancestors())


def streamed(source: Path | bytes) -> Iterator[etree._Element]:
    """The MessageSpec element first, then the record elements, in document order."""
    data = source if isinstance(source, bytes) else source.read_bytes()
    for _, element in etree.iterparse(io.BytesIO(data), events=("end",)):
        if not isinstance(element.tag, str) or _in_kept(element):
            continue
        name = _local(element)
        if name in KEPT:
            yield element
        _release(element)


def whole(source: Path | bytes) -> list[etree._Element]:
    """The same elements from a fully parsed tree."""
    data = source if isinstance(source, bytes) else source.read_bytes()
    root = etree.fromstring(data)
    return [el for el in root.iter() if isinstance(el.tag, str) and _local(el) in KEPT]
