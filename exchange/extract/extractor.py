"""The Extractor: record elements, in document order, → records numbered by body and reporting group.

The elements come from `exchange.validation.stream.StreamPass`, which yields each kept element (a
ReportingFI, an AccountReport...) complete, while its ancestors are still open, and clears everything
before it. So a body or group cannot be counted by looking at siblings; instead the extractor holds on
to the parent it saw last (one cleared element each) and counts a new one whenever the parent changes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from lxml import etree

from exchange.extract import cbc, dpi
from exchange.extract.accounts import account_report, nil_report, pool_report
from exchange.extract.header import header_problem, message_header
from exchange.extract.institutions import ROLES, reporting_fi
from exchange.extract.xmltext import local_name, namespace
from exchange.formats import registry
from exchange.formats.spec import FormatSpec
from exchange.records import MessageHeader, Record

_Builder = Callable[[etree._Element, int, int, str | None], Record | None]
# Where an element stands in the file, asked while it is in the tree (the streaming pass's `path_of`).
Locator = Callable[[etree._Element], str | None]

_IN_GROUP: dict[str, _Builder] = {
    "AccountReport": account_report,
    "PoolReport": pool_report,
    "NilReport": nil_report,
}

_UNSEEN = object()  # the parent before the first record: never the same as a real (or absent) parent


class Extractor:
    """One per file: it numbers bodies and groups across the calls."""

    def __init__(self, spec: FormatSpec | None = None, locate: Locator | None = None) -> None:
        self._spec = spec
        self._locate = locate
        self._body: object = _UNSEEN
        self._group: object = _UNSEEN
        self._body_index = -1
        self._group_index = -1

    @property
    def spec(self) -> FormatSpec | None:
        return self._spec

    def header(self, element: etree._Element) -> MessageHeader | None:
        """The MessageSpec element as a header (None if a required field is missing or unreadable)."""
        spec = self._format_of(element)
        return None if spec is None else message_header(element, spec)

    def header_problem(self, element: etree._Element) -> str:
        """Why `header` gives None for this MessageSpec element, in a sentence for a file error."""
        return header_problem(element)

    def record(
        self, element: etree._Element, *, body_index: int | None = None, group_index: int | None = None
    ) -> Record | None:
        """The record an element holds, or None for an element that is no record or cannot be read.

        Without explicit indexes, they are taken from the element's open ancestors.
        """
        spec = self._format_of(element)
        name = local_name(element)
        if spec is not None and spec.name == "dpi":
            return self._dpi_record(element, name, body_index)
        if spec is not None and spec.name == "cbc":
            return self._cbc_record(element, name, body_index)
        if name in ROLES:
            body, group = self._place(element, in_group=name != "ReportingFI")
            return reporting_fi(
                element,
                ROLES[name],
                _given(body_index, body),
                _given(group_index, group),
                self._path(element),
            )
        builder = _IN_GROUP.get(name)
        if builder is None:
            return None
        body, group = self._place(element, in_group=True)
        return builder(element, _given(body_index, body), _given(group_index, group), self._path(element))

    def _dpi_record(self, element: etree._Element, name: str, body_index: int | None) -> Record | None:
        # A DPIBody has no reporting groups: its PlatformOperator, other operators and sellers all stand in
        # the body (the other operators one level down, inside OtherPlatformOperators).
        if (role := dpi.OTHER_OPERATORS.get(name)) is not None:
            body, _ = self._place(element, in_group=True)
            return dpi.other_operator(element, role, _given(body_index, body), self._path(element))
        if name == "PlatformOperator":
            body, _ = self._place(element, in_group=False)
            return dpi.platform_operator(element, _given(body_index, body), self._path(element))
        if name == "ReportableSeller":
            body, _ = self._place(element, in_group=False)
            return dpi.reportable_seller(element, _given(body_index, body), self._path(element))
        return None

    def _cbc_record(self, element: etree._Element, name: str, body_index: int | None) -> Record | None:
        # A CbcBody has no groups either: its ReportingEntity, CbcReports and AdditionalInfo stand in it.
        builder = {
            "ReportingEntity": cbc.reporting_entity,
            "CbcReports": cbc.cbc_report,
            "AdditionalInfo": cbc.additional_info,
        }.get(name)
        if builder is None:
            return None
        body, _ = self._place(element, in_group=False)
        return builder(element, _given(body_index, body), self._path(element))

    def _path(self, element: etree._Element) -> str | None:
        return None if self._locate is None else self._locate(element)

    def records(self, elements: Iterable[etree._Element]) -> Iterator[Record]:
        """The readable records among the elements; the others were reported by the schema pass."""
        for element in elements:
            record = self.record(element)
            if record is not None:
                yield record

    def _place(self, element: etree._Element, *, in_group: bool) -> tuple[int, int]:
        parent = element.getparent()
        body = parent.getparent() if in_group and parent is not None else parent
        if body is not self._body:
            self._body, self._group = body, _UNSEEN
            self._body_index += 1
            self._group_index = -1
        if not in_group:
            return self._body_index, 0  # the ReportingFI, before the body's first group
        if parent is not self._group:
            self._group = parent
            self._group_index += 1
        return self._body_index, self._group_index

    def _format_of(self, element: etree._Element) -> FormatSpec | None:
        if self._spec is None:
            known = registry.by_namespace(namespace(element))
            self._spec = known[0] if known else None
        return self._spec


def _given(explicit: int | None, counted: int) -> int:
    return counted if explicit is None else explicit
