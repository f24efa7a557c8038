"""One streaming pass over a document: well-formedness, threats and schema validation together.

Each chunk goes to two libxml2 parsers:
- the validating parser (schema plugged in): the schema verdict, the elements kept for consumers (the
  message header, the records) and the places of errors;
- a well-formedness checker that builds nothing: with a schema plugged in, libxml2 stops silently on a
  malformed or truncated file, so the checker is what reports those (with libxml2's own message).

Python only sees the elements it has a use for: the validating parser reports the events of the root, the
kept elements and XInclude elements, filtered by lxml in C, so an account report of thirty elements costs
two events rather than sixty. Whatever else is needed is read off the tree when it is needed:
- memory stays flat: a kept element is cleared once its consumer has moved on, and after each chunk every
  finished element outside the kept subtrees (the earlier siblings of each open element) is removed;
- an error is placed when libxml2 reports it, during `feed`: libxml2 calls lxml's tree builder before the
  validator, so the element the error names is then on the tree's open edge (root, its last child, that
  one's last child...), where its line and path are read; positions count the removed siblings too;
- the depth limit is checked on every subtree as it leaves the tree (a kept element before it is handed
  out, other elements when removed, the rest at the end), so no element escapes it; a document nested
  deeper than libxml2's own limit is stopped by libxml2 before memory matters.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import cast

from lxml import etree

from exchange.formats.spec import FormatSpec
from exchange.validation import disclosure, safety
from exchange.validation.errorlog import listening
from exchange.validation.findings import Finding, file_error

_ELEMENT_IN_MESSAGE = re.compile(r"^Element '([^']+)'")
_CLARK_NAMESPACE = re.compile(r"\{[A-Za-z][^}\s']*\}")  # {urn:...}Name, not a set of values
_SCHEMA_DOMAIN = "SCHEMASV"
_COUNT_ALL = etree.XPath("count(descendant-or-self::*)")
_SELF, _BEFORE = "self::*", "preceding-sibling::*"  # where `_within_depth` looks
_NOT_KEPT, _RECORD, _HEADER = "not kept", "record", "header"  # what an open element is to the pass
# libxml2 (huge_tree off) builds no tree deeper than this, and stops there without a word when a schema is
# plugged in (the checker, building nothing, goes on); a limit above it has nothing left to check (and an
# XPath that many steps long would exceed libxml2's XPath recursion limit).
_PARSER_MAX_DEPTH = 256

Hearer = Callable[[etree._LogEntry], None]


@dataclass(frozen=True)
class HeaderFields:
    """The identifying fields of the message header (MessageSpec), as written in the file."""

    transmitting_country: str | None = None
    receiving_country: str | None = None
    message_ref_id: str | None = None
    message_type: str | None = None
    message_type_indic: str | None = None
    reporting_period: str | None = None
    timestamp: str | None = None


class StreamPass:
    """Parse and validate chunks, yielding kept elements; findings accumulate in `findings`.

    Kept are the header (the spec's header element under the root) and the outermost elements named in
    `records`. A kept element is whole when handed out, and is emptied once its consumer has moved on
    (when the chunk it ended in has been handed out).
    """

    def __init__(
        self,
        spec: FormatSpec,
        schema: etree.XMLSchema,
        *,
        records: frozenset[str],
        max_depth: int,
        max_errors: int,
        yield_header: bool = False,
    ) -> None:
        self._header_name = spec.header
        self._yield_header = yield_header  # hand out the header element too, before any record
        self._records = records
        self._kept_tags = [f"{{*}}{name}" for name in sorted(records | {spec.header})]
        xinclude = [f"{{{namespace}}}*" for namespace in sorted(safety.XINCLUDE_NAMESPACES)]
        self._parser = safety.safe_pull_parser(schema, [spec.root_tag, *self._kept_tags, *xinclude])
        self._checker = safety.well_formedness_checker()
        self._max_depth = max_depth
        self._max_errors = max_errors
        self._pending: list[tuple[str, etree._Element]] = []  # events read early, to find the root
        self._root: etree._Element | None = None
        self._root_closed = False
        self._open: list[str] = []  # what each open element the parser reported is (the root aside)
        self._open_kept = 0  # kept elements open, counting those nested in an outer one
        self._removed: dict[etree._Element, Counter[str]] = {}  # per open element, children removed by name
        self._last_placed: tuple[etree._Element, int] | None = None  # the last record placed, its position
        self._prefix: tuple[etree._Element, str] | None = None  # the last parent placed, its path
        self._too_deep: dict[tuple[str, int], etree.XPath] = {}  # by `_within_depth`'s where and levels
        self._validator_raised: etree.XMLSyntaxError | None = None
        self._checker_raised: etree.XMLSyntaxError | None = None
        self._syntax_errors: list[etree._LogEntry] = []
        self.findings: list[Finding] = []
        self.header: HeaderFields | None = None
        self.elements = 0
        self.bytes_read = 0
        self.stopped = False  # by a threat, a broken file or the error limit: the rest is unread

    def run(self, chunks: Iterable[bytes]) -> Iterator[etree._Element]:
        for chunk in chunks:
            self.bytes_read += len(chunk)
            self._validator_raised = _push(self._parser.feed, self._heard_by_validator, chunk)
            self._checker_raised = _push(self._checker.feed, self._syntax_errors.append, chunk)
            yield from self._drain()
            self._judge_syntax()
            if self.stopped:
                self._finish()
                return
            self._prune()
        self._validator_raised = _push(self._parser.close, self._heard_by_validator)
        self._checker_raised = _push(self._checker.close, self._syntax_errors.append)
        yield from self._drain()
        self._judge_syntax()
        self._judge_end()
        self._finish()

    # ------------------------------------------------------------------ feeding and hearing errors

    def _heard_by_validator(self, entry: etree._LogEntry) -> None:
        # Only schema errors count here: well-formedness is the checker's to report, once.
        if entry.level < etree.ErrorLevels.ERROR or entry.domain_name != _SCHEMA_DOMAIN or self.stopped:
            return
        message = disclosure.schema_message(_CLARK_NAMESPACE.sub("", entry.message.strip()))
        place = self._element_named(entry.message)
        if place is None:
            self._add(file_error(safety.NOT_VALID, message))
        else:
            self._add(file_error(safety.NOT_VALID, message, line=place.sourceline, path=self.path_of(place)))

    def _judge_syntax(self) -> None:
        errors, self._syntax_errors = self._syntax_errors, []
        for entry in errors:
            if entry.level >= etree.ErrorLevels.ERROR and not self.stopped:
                self._add(safety.parse_error_finding(entry, entry.message, self._current_path()))
                if entry.level >= etree.ErrorLevels.FATAL:
                    self.stopped = True
        if self._checker_raised is not None and not self.stopped:
            self._stop(safety.parse_error_finding(None, str(self._checker_raised), self._current_path()))

    def _judge_end(self) -> None:
        # Belt and braces: the verdicts of the two parsers must agree with what was heard.
        if self.stopped:
            return
        if self._root is not None and not self._root_closed:
            # The checker read the whole file as well-formed (a truncated file is its error, reported
            # already), so the validating parser stopped of itself, in silence: at a limit of libxml2's tree
            # builder, which the checker, building nothing, does not have.
            self._stop(self._builder_limit_finding())
        elif self._validator_raised is not None and not self.findings:
            message = disclosure.schema_message(_CLARK_NAMESPACE.sub("", str(self._validator_raised)))
            self._add(file_error(safety.NOT_VALID, f"schema validation failed: {message}"))

    # ------------------------------------------------------------------ events

    def _drain(self) -> Iterator[etree._Element]:
        events, self._pending = self._pending, []
        events.extend(self._parser.read_events())
        for event, element in events:
            if self.stopped:
                return
            if event == "start":
                self._started(element)
                continue
            if element is self._root:
                self._root_closed = True
                continue
            kind = self._open.pop()
            if kind is _NOT_KEPT:
                continue
            self._open_kept -= 1
            if self._open_kept:
                continue  # inside an outer kept element, which is handed out whole
            if kind is _HEADER:
                self.header = _header_of(element)
                if not self._yield_header:
                    continue
            # Handed out whole; emptied (with its count and depth checked) when `_prune` removes it, after
            # the consumer has moved on.
            yield element

    def _started(self, element: etree._Element) -> None:
        if self._root is None:
            self._root = element.getroottree().getroot()
        if element is self._root:
            return
        if str(element.tag).startswith(safety.XINCLUDE_TAG_PREFIXES):
            self._stop(safety.xinclude_finding(element.sourceline, self.path_of(element)))
            return
        kind = self._kind_of(element)
        self._open.append(kind)
        if kind is not _NOT_KEPT:
            self._open_kept += 1

    def _kind_of(self, element: etree._Element) -> str:
        local = _local(element)
        if local in self._records:
            return _RECORD
        if local == self._header_name and element.getparent() is self._root:
            return _HEADER
        return _NOT_KEPT

    def _builder_limit_finding(self) -> Finding:
        edge = self._edge()
        if len(edge) >= _PARSER_MAX_DEPTH:
            return self._depth_finding(edge, f"at least {len(edge)}")
        return file_error(
            safety.THREAT,
            "the parser's safety limits were hit: it stopped before the end of a well-formed document (at a "
            "text longer than 10,000,000 characters, or a like excess)",
            path=self.path_of(edge[-1]) if edge else None,
        )

    def _depth_finding(self, edge: list[etree._Element], found: str) -> Finding:
        limit = min(self._max_depth, _PARSER_MAX_DEPTH - 1)
        first = edge[limit]  # the first element too deep
        return safety.depth_finding(found, limit, first.sourceline, self.path_of(first))

    def _open_depth_checked(self) -> bool:
        """Whether the open edge (the elements not yet closed, which no subtree check has seen) stays
        within the depth limit; stops the pass if not. libxml2 stops building a tree deeper than its own
        limit, in silence, so past that the limit is libxml2's."""
        edge = self._edge()
        if len(edge) <= min(self._max_depth, _PARSER_MAX_DEPTH - 1):
            return True
        found = f"at least {len(edge)}" if len(edge) >= _PARSER_MAX_DEPTH else str(len(edge))
        self._stop(self._depth_finding(edge, found))
        return False

    def _prune(self) -> None:
        """Remove the finished elements outside kept subtrees: the earlier siblings of each element on
        the open edge. A kept element is not entered: it is open, or handed out whole and removed later."""
        if not self._open_depth_checked():
            return
        node, edge, depth = self._root, [], 1
        while node is not None and not self.stopped:
            edge.append(node)
            if node is not self._root and self._kind_of(node) is not _NOT_KEPT:
                break
            last = _last_element(node)
            if last is not None:
                self._remove_before(node, last, depth + 1)
            node, depth = last, depth + 1
        self._removed = {parent: counts for parent, counts in self._removed.items() if _among(parent, edge)}

    def _remove_before(self, parent: etree._Element, last: etree._Element, depth: int) -> None:
        """Check, count, empty and remove the siblings before `last` (at `depth`), finished all of them
        (the depth of the whole range with one XPath)."""
        finished = list(last.itersiblings(preceding=True))
        if not finished:
            return
        if not self._within_depth(last, depth, _BEFORE):
            return
        removed = self._removed.setdefault(parent, Counter())
        for sibling in finished:
            if isinstance(sibling.tag, str):  # comments and PIs take no position
                removed[sibling.tag.rpartition("}")[2]] += 1
                self.elements += int(_COUNT_ALL(sibling)) if len(sibling) else 1
            sibling.clear(keep_tail=False)  # a consumer still holding a handed-out element sees it emptied
        del parent[: len(finished)]

    def _finish(self) -> None:
        """Check and count what is still in the tree, and empty the kept elements among it."""
        if self._root is None:
            return
        if not self.stopped:
            self._within_depth(self._root, 1, _SELF)
        self.elements += int(_COUNT_ALL(self._root))
        for kept in list(self._root.iter(*self._kept_tags)):
            kept.clear(keep_tail=False)

    def _within_depth(self, element: etree._Element, depth: int, where: str) -> bool:
        """Whether the subtrees of `element` itself (`_SELF`, at `depth`) or of its earlier siblings
        (`_BEFORE`, at `depth` too) stay within the depth limit; stops the pass if not."""
        if self._max_depth >= _PARSER_MAX_DEPTH:
            return True
        levels = self._max_depth - depth + 1  # how far below those elements the limit is passed
        key = (where, levels)
        if key not in self._too_deep:
            steps = ["*"] * max(levels, 0)
            self._too_deep[key] = etree.XPath("/".join([where, *steps]))
        found: list[etree._Element] = self._too_deep[key](element)
        if not found:
            return True
        first = found[0]
        self._stop(
            safety.depth_finding(
                max(depth, self._max_depth + 1), self._max_depth, first.sourceline, self.path_of(first)
            )
        )
        return False

    # ------------------------------------------------------------------ places and findings

    def _edge(self) -> list[etree._Element]:
        """The root, its last element child, that one's last element child...: where parsing stands."""
        if self._root is None and self._pending == []:
            # An error before the first drain: the root's start event is waiting in the parser.
            self._pending = list(self._parser.read_events())
            if self._pending:
                self._root = self._pending[0][1].getroottree().getroot()
        edge: list[etree._Element] = []
        node = self._root
        while node is not None:
            edge.append(node)
            node = _last_element(node)
        return edge

    def _element_named(self, message: str) -> etree._Element | None:
        edge = self._edge()
        named = _ELEMENT_IN_MESSAGE.match(message)
        if named is not None:
            for element in reversed(edge):
                if element.tag == named.group(1):
                    return element
        return edge[-1] if edge else None

    def _current_path(self) -> str | None:
        edge = self._edge()
        return self.path_of(edge[-1]) if edge else None

    def path_of(self, element: etree._Element) -> str:
        """/Root/Child[n]/..., n counting the same-named siblings before, removed ones included."""
        parent = element.getparent()
        if parent is None:
            return f"/{_local(element)}"
        prefix = self._prefix
        if prefix is None or prefix[0] is not parent:
            # The records of one reporting group share their parent's path, which stays what it is while
            # the parent is open.
            prefix = self._prefix = (parent, self.path_of(parent))
        return f"{prefix[1]}/{_local(element)}[{self._position(element, parent)}]"

    def _position(self, node: etree._Element, parent: etree._Element) -> int:
        # Records are placed one after the other: counting back to the one placed last is one step, where
        # counting every earlier sibling of a chunk's records made placing them quadratic.
        last = self._last_placed
        if last is not None and last[0].tag == node.tag:
            for count, sibling in enumerate(node.itersiblings(cast(str, node.tag), preceding=True)):
                if sibling is last[0]:
                    return self._remember(node, last[1] + count + 1)
        local = _local(node)
        before = sum(
            1
            for sibling in node.itersiblings(preceding=True)
            if isinstance(sibling.tag, str) and sibling.tag.rpartition("}")[2] == local
        )
        removed = self._removed.get(parent)
        return self._remember(node, 1 + before + (removed[local] if removed is not None else 0))

    def _remember(self, node: etree._Element, position: int) -> int:
        if _local(node) in self._records:
            self._last_placed = (node, position)
        return position

    def _add(self, finding: Finding) -> None:
        if finding.code == safety.THREAT:
            self._stop(finding)
            return
        self.findings.append(finding)
        if len(self.findings) >= self._max_errors:
            self.stopped = True

    def _stop(self, finding: Finding) -> None:
        # A threat is the file's only finding (see safety): the schema findings met before it go.
        self.findings = [finding] if finding.code == safety.THREAT else [*self.findings, finding]
        self.stopped = True


def _push(action: Callable[..., object], hearer: Hearer, *chunk: bytes) -> etree.XMLSyntaxError | None:
    """Run a parser's feed or close while `hearer` hears its errors; return what it raised, if anything."""
    try:
        with listening(hearer):
            action(*chunk)
    except etree.XMLSyntaxError as exc:
        return exc
    return None


def _local(element: etree._Element) -> str:
    return str(element.tag).rpartition("}")[2]


def _last_element(element: etree._Element) -> etree._Element | None:
    return next(element.iterchildren(etree.Element, reversed=True), None)


def _among(element: etree._Element, elements: list[etree._Element]) -> bool:
    return any(element is other for other in elements)


def _header_of(element: etree._Element) -> HeaderFields:
    values: dict[str, str] = {}
    for child in element:
        if isinstance(child.tag, str):
            values.setdefault(child.tag.rpartition("}")[2], (child.text or "").strip())
    return HeaderFields(
        transmitting_country=values.get("TransmittingCountry"),
        receiving_country=values.get("ReceivingCountry"),
        message_ref_id=values.get("MessageRefId"),
        message_type=values.get("MessageType"),
        message_type_indic=values.get("MessageTypeIndic"),
        reporting_period=values.get("ReportingPeriod"),
        timestamp=values.get("Timestamp"),
    )
