"""A streaming XML reader that refuses what a hostile file could use against its receiver.

A DOCTYPE (and with it every entity declaration), XInclude and absurd nesting are threats (50005).
Expat runs without namespace processing because canonicalization needs the prefixes exactly as
written; namespace scopes are tracked here instead, and undeclared prefixes are refused.
"""

from __future__ import annotations

from typing import Protocol
from xml.parsers import expat

from crypto.errors import FileErrorCode, PacketError
from exchange.errors import ExchangeError

XINCLUDE_NAMESPACES = frozenset({"http://www.w3.org/2001/XInclude", "http://www.w3.org/2003/XInclude"})
_NO_DECLARATIONS: dict[str, str] = {}
_NO_ATTRIBUTES: list[tuple[str, str]] = []


class XmlSyntaxError(ExchangeError):
    """The bytes are not namespace-well-formed XML."""


class XmlHandler(Protocol):
    def start(
        self,
        qname: str,
        attributes: list[tuple[str, str]],
        declarations: dict[str, str],
        scope: dict[str, str],
    ) -> None:
        """An element opens. `scope` maps every prefix in scope ('' = default) to its URI; never mutate it."""

    def end(self, qname: str) -> None: ...

    def text(self, data: str) -> None: ...

    def comment(self, data: str) -> None: ...

    def pi(self, target: str, data: str) -> None: ...


def _threat(what: str) -> PacketError:
    return PacketError(FileErrorCode.FAILED_THREAT_SCAN, what)


class SafeXmlReader:
    """Feed bytes in chunks; events reach the handler as they are parsed, in constant memory."""

    def __init__(self, handler: XmlHandler, max_depth: int, context: dict[str, str] | None = None) -> None:
        """`context`: namespaces in scope around the fragment, when it is parsed out of its document."""
        self._handler = handler
        self._max_depth = max_depth
        self._scopes: list[dict[str, str]] = [dict(context or {})]
        parser = expat.ParserCreate()
        parser.buffer_text = True
        parser.buffer_size = 1 << 16
        parser.ordered_attributes = True
        parser.specified_attributes = True
        parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        parser.StartElementHandler = self._start
        parser.EndElementHandler = self._end
        parser.CharacterDataHandler = handler.text
        parser.CommentHandler = handler.comment
        parser.ProcessingInstructionHandler = handler.pi
        parser.StartDoctypeDeclHandler = self._doctype
        parser.EntityDeclHandler = self._entity
        parser.NotationDeclHandler = self._entity
        parser.ExternalEntityRefHandler = self._external_entity
        self._parser = parser

    def feed(self, data: bytes) -> None:
        self._parse(data, final=False)

    def close(self) -> None:
        self._parse(b"", final=True)

    def _parse(self, data: bytes, final: bool) -> None:
        try:
            self._parser.Parse(data, final)
        except expat.ExpatError as exc:
            where = f"line {exc.lineno}, column {exc.offset}"
            raise XmlSyntaxError(f"not well-formed XML ({expat.ErrorString(exc.code)}, {where})") from None

    def _start(self, qname: str, flat: list[str]) -> None:
        if len(self._scopes) > self._max_depth:
            raise _threat(f"XML nesting deeper than {self._max_depth} levels")
        scope = self._scopes[-1]
        declarations, attributes = _NO_DECLARATIONS, _NO_ATTRIBUTES
        if flat:
            declarations, attributes = _split_attributes(flat)
            if declarations:
                if not XINCLUDE_NAMESPACES.isdisjoint(declarations.values()):
                    raise _threat("the document uses XInclude")
                scope = {**scope, **declarations}
            for name, _ in attributes:
                _check_prefix(name, scope)
        colon = qname.find(":")  # _check_prefix inlined: this runs once per element
        if colon > 0 and qname[:colon] not in scope and qname[:colon] != "xml":
            raise XmlSyntaxError(f"undeclared namespace prefix {qname[:colon]!r}")
        self._scopes.append(scope)
        self._handler.start(qname, attributes, declarations, scope)

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
