"""A streaming XML reader that refuses what a hostile file could use against its receiver.

A DOCTYPE (and with it every entity declaration), XInclude and absurd nesting are threats (50005).
Expat runs without namespace processing because canonicalization needs the prefixes exactly as
written; namespace scopes are tracked here instead, and undeclared prefixes are refused.

Expat would read a document in UTF-16 or ISO-8859-1 and the canonical form it leads to is UTF-8, which
would hide the encoding from every later check: the product's encoding policy (UTF-8 only,
exchange.validation.encoding) is applied here, to the first bytes, as `exchange validate` applies it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol
from xml.parsers import expat

from crypto.errors import FileErrorCode, PacketError
from exchange.errors import ExchangeError
from exchange.validation.encoding import PROBE, encoding_problem

XINCLUDE_NAMESPACES = frozenset({"http://www.w3.org/2001/XInclude", "http://www.w3.org/2003/XInclude"})
_NO_DECLARATIONS: dict[str, str] = {}
_NO_ATTRIBUTES: list[tuple[str, str]] = []


class XmlSyntaxError(ExchangeError):
    """The bytes are not namespace-well-formed XML."""


class ContentHandler(Protocol):
    """Takes expat's own callbacks for the content of one element: the hot path of a large document.

    Each event costs one Python call instead of one per layer. In exchange, the handler must apply
    `open_element` to every start tag it has not already seen approved in the same scope, refuse
    nesting beyond `max_depth` (with `too_deep`), and call `finish` with the end tag of the element
    whose content it took: the reader then carries on with its own handler.
    """

    def begin(self, scope: dict[str, str], depth: int, max_depth: int, finish: Callable[[str], None]) -> None:
        """`scope`: the namespaces of the element; `depth`: its nesting level (the root's is 1)."""

    def start(self, qname: str, flat: list[str]) -> None:
        """`flat`: the attributes as expat gives them, names and values alternating, as written."""

    def end(self, qname: str) -> None: ...

    def text(self, data: str) -> None: ...

    def comment(self, data: str) -> None: ...

    def pi(self, target: str, data: str) -> None: ...


class XmlHandler(Protocol):
    def start(
        self,
        qname: str,
        attributes: list[tuple[str, str]],
        declarations: dict[str, str],
        scope: dict[str, str],
    ) -> ContentHandler | None:
        """An element opens. `scope` maps every prefix in scope ('' = default) to its URI; never mutate it.

        Returning a ContentHandler hands it the element's content, up to the element's end tag, which
        comes back here. The reader may decline (`SafeXmlReader(..., content_handlers=False)`), so a
        handler that offers one must still handle the content's events itself.
        """

    def end(self, qname: str) -> None: ...

    def text(self, data: str) -> None: ...

    def comment(self, data: str) -> None: ...

    def pi(self, target: str, data: str) -> None: ...


def _threat(what: str) -> PacketError:
    return PacketError(FileErrorCode.FAILED_THREAT_SCAN, what)


def too_deep(max_depth: int) -> PacketError:
    return _threat(f"XML nesting deeper than {max_depth} levels")


def open_element(
    qname: str, flat: list[str], scope: dict[str, str]
) -> tuple[dict[str, str], list[tuple[str, str]], dict[str, str]]:
    """Check one start tag; return its namespace declarations, its other attributes and its scope.

    The scope comes back as the very object passed in when the tag declares nothing, so that
    whoever caches by scope can tell an unchanged one at no cost.
    """
    declarations, attributes = _NO_DECLARATIONS, _NO_ATTRIBUTES
    if flat:
        declarations, attributes = _split_attributes(flat)
        if declarations:
            if not XINCLUDE_NAMESPACES.isdisjoint(declarations.values()):
                raise _threat("the document uses XInclude")
            scope = {**scope, **declarations}
        for name, _ in attributes:
            _check_prefix(name, scope)
    _check_prefix(qname, scope)
    return declarations, attributes, scope


class SafeXmlReader:
    """Feed bytes in chunks; events reach the handler as they are parsed, in constant memory."""

    def __init__(
        self,
        handler: XmlHandler,
        max_depth: int,
        context: dict[str, str] | None = None,
        *,
        content_handlers: bool = True,
    ) -> None:
        """`context`: namespaces in scope around the fragment, when it is parsed out of its document.

        `content_handlers=False` declines every ContentHandler offered, so that all events take the
        handler's general path: tests compare the two.
        """
        self._handler = handler
        self._max_depth = max_depth
        self._content_handlers = content_handlers
        self._scopes: list[dict[str, str]] = [dict(context or {})]
        parser = expat.ParserCreate()
        parser.buffer_text = True
        parser.buffer_size = 1 << 16
        parser.ordered_attributes = True
        parser.specified_attributes = True
        parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        parser.StartDoctypeDeclHandler = self._doctype
        parser.EntityDeclHandler = self._entity
        parser.NotationDeclHandler = self._entity
        parser.ExternalEntityRefHandler = self._external_entity
        self._parser = parser
        self._route_to_handler()
        # The first bytes, held until the encoding can be judged: a byte-order mark, or the XML
        # declaration up to its end (a fragment parsed in its document's context has neither).
        self._head: bytearray | None = bytearray() if context is None else None

    def feed(self, data: bytes) -> None:
        if self._head is not None:
            self._head += data
            if len(self._head) < PROBE and b">" not in self._head:
                return
            data = self._judged_head()
        self._parse(data, final=False)

    def close(self) -> None:
        if self._head is not None:
            self._parse(self._judged_head(), final=False)
        self._parse(b"", final=True)

    def _judged_head(self) -> bytes:
        head, self._head = bytes(self._head or b""), None
        if (problem := encoding_problem(head[:PROBE])) is not None:
            raise XmlSyntaxError(f"not in UTF-8 ({problem})")
        return head

    def _parse(self, data: bytes, final: bool) -> None:
        try:
            self._parser.Parse(data, final)
        except expat.ExpatError as exc:
            where = f"line {exc.lineno}, column {exc.offset}"
            raise XmlSyntaxError(f"not well-formed XML ({expat.ErrorString(exc.code)}, {where})") from None

    def _route_to_handler(self) -> None:
        parser, handler = self._parser, self._handler
        parser.StartElementHandler = self._start
        parser.EndElementHandler = self._end
        parser.CharacterDataHandler = handler.text
        parser.CommentHandler = handler.comment
        parser.ProcessingInstructionHandler = handler.pi

    def _hand_over(self, content: ContentHandler) -> None:
        # Expat takes new handlers between two events; it flushes buffered text to the old one first.
        content.begin(self._scopes[-1], len(self._scopes) - 1, self._max_depth, self._take_back)
        parser = self._parser
        parser.StartElementHandler = content.start
        parser.EndElementHandler = content.end
        parser.CharacterDataHandler = content.text
        parser.CommentHandler = content.comment
        parser.ProcessingInstructionHandler = content.pi

    def _take_back(self, qname: str) -> None:
        self._route_to_handler()
        self._end(qname)

    def _start(self, qname: str, flat: list[str]) -> None:
        if len(self._scopes) > self._max_depth:
            raise too_deep(self._max_depth)
        declarations, attributes, scope = open_element(qname, flat, self._scopes[-1])
        self._scopes.append(scope)
        content = self._handler.start(qname, attributes, declarations, scope)
        if content is not None and self._content_handlers:
            self._hand_over(content)

    def _end(self, qname: str) -> None:
        self._scopes.pop()
        self._handler.end(qname)

    def _doctype(self, *_args: object) -> None:
        raise _threat("the document has a DOCTYPE declaration (DTDs and entities are refused)")

    def _entity(self, *_args: object) -> None:
        raise _threat("the document declares entities or notations")

    def _external_entity(self, *_args: object) -> int:
        raise _threat("the document refers to an external entity")


def _split_attributes(flat: list[str]) -> tuple[dict[str, str], list[tuple[str, str]]]:
    declarations: dict[str, str] = {}
    attributes: list[tuple[str, str]] = []
    for index in range(0, len(flat), 2):
        name, value = flat[index], flat[index + 1]
        if name == "xmlns":
            declarations[""] = value
        elif name.startswith("xmlns:"):
            if not value:  # XML Namespaces 1.0 cannot undeclare a prefix
                raise XmlSyntaxError(f"empty namespace declaration for prefix {name[6:]!r}")
            declarations[name[6:]] = value
        else:
            attributes.append((name, value))
    return declarations, attributes


def _check_prefix(qname: str, scope: dict[str, str]) -> None:
    colon = qname.find(":")
    if colon > 0 and qname[:colon] not in scope and qname[:colon] != "xml":
        raise XmlSyntaxError(f"undeclared namespace prefix {qname[:colon]!r}")
