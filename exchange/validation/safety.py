"""How received XML is parsed without letting it reach anything: the parser's configuration and the threats.

The parser never loads a DTD, never expands or fetches an entity, never touches the network, never
processes XInclude, and keeps libxml2's built-in limits (no `huge_tree`). Each threat becomes a finding
rather than an exception:

| threat                                          | code  |
|-------------------------------------------------|-------|
| DOCTYPE (internal subset, external DTD, so any entity declaration, billion laughs, XXE) | 50005 |
| XInclude element                                | 50005 |
| nesting deeper than Settings.max_xml_depth, or libxml2's own resource limits            | 50005 |
| not well-formed, truncated, invalid UTF-8       | 50007 |
| an encoding other than UTF-8 (UTF-16 with or without BOM, UTF-32, a declared legacy one) | 50007 |

A threat is the file's only finding, wherever in the file it stands: the receiver scans for threats before
it validates against the schema (FACTS.md §4, receiving order), so a file that is a threat is not also
reported schema-invalid, whichever of the two one streaming pass happened to meet first; the packet path,
whose reader stops at the threat, says the same. The encoding policy (UTF-8 only) is
exchange.validation.encoding's, shared with the packet path.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, cast

from lxml import etree

from exchange.validation import disclosure, encoding
from exchange.validation.codes import FileErrorCode
from exchange.validation.findings import Finding, file_error

THREAT = FileErrorCode.FAILED_THREAT_SCAN
NOT_VALID = FileErrorCode.FAILED_SCHEMA_VALIDATION

XINCLUDE_NAMESPACES = frozenset({"http://www.w3.org/2001/XInclude", "http://www.w3.org/2003/XInclude"})
XINCLUDE_TAG_PREFIXES = tuple(f"{{{namespace}}}" for namespace in sorted(XINCLUDE_NAMESPACES))


# libxml2 messages that mean "this document tries to exhaust the parser" rather than "this is not XML".
_RESOURCE_ERRORS = frozenset({"ERR_RESOURCE_LIMIT", "ERR_ENTITY_LOOP", "ERR_ENTITY_AMPLIFICATION"})
_RESOURCE_WORDS = ("excessive depth", "huge", "amplification", "entity reference loop")


class FeedParser(Protocol):
    def feed(self, data: bytes, /) -> None: ...

    def close(self) -> object: ...


# Every parser below says the same: nothing libxml2 could reach for or expand (entities, DTDs, the
# network) is allowed; its size and depth limits stay on (huge_tree=False).


def safe_pull_parser(
    schema: etree.XMLSchema | None = None, tags: Sequence[str] | None = None
) -> etree.XMLPullParser:
    """A push parser that reports start and end events (of the elements matching `tags` only, when
    given: lxml filters them in C), optionally validating against `schema`."""
    return etree.XMLPullParser(
        events=("start", "end"),
        tag=tags,
        schema=schema,
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        attribute_defaults=False,
        huge_tree=False,
    )


class _Discard:
    """A parser target that builds nothing: the parse is only for its errors."""

    def close(self) -> None:
        return None


def well_formedness_checker() -> FeedParser:
    """A parser that builds no tree, so it costs little beside the validating one, and whose errors are
    always reported: with a schema plugged in, libxml2 stops silently on a well-formedness error (and says
    nothing of a truncated file), so a validating parser alone cannot tell a broken file from a valid one."""
    # The target has no start/end/data methods on purpose: lxml then makes no Python call per element.
    target = cast("etree.ParserTarget[None]", _Discard())
    return etree.XMLParser(
        target=target,
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        attribute_defaults=False,
        huge_tree=False,
    )


def safe_document_parser() -> etree.XMLParser:
    """A whole-document parser with the same defences, for small trusted-size inputs such as schemas."""
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        attribute_defaults=False,
        huge_tree=False,
    )


def encoding_finding(head: bytes) -> Finding | None:
    """A 50007 finding when the first bytes show an encoding other than UTF-8, else None."""
    problem = encoding.encoding_problem(head)
    return None if problem is None else file_error(NOT_VALID, problem)


def doctype_finding(root: etree._Element) -> Finding | None:
    """A 50005 finding when the document has a DOCTYPE: every entity and DTD attack needs one."""
    info = root.getroottree().docinfo
    if info.doctype or info.internalDTD is not None or info.system_url or info.public_id:
        return file_error(
            THREAT,
            "the file has a DOCTYPE declaration; DTDs and entities are refused",
            line=1,
        )
    return None


def is_xinclude(tag: str) -> bool:
    return tag.startswith(XINCLUDE_TAG_PREFIXES)


def broken_doctype_finding(failure: Finding) -> Finding:
    return file_error(
        THREAT,
        f"the file has a DOCTYPE declaration, and a malformed one: {failure.message}",
        line=failure.line,
    )


def xinclude_finding(line: int | None, path: str) -> Finding:
    return file_error(
        THREAT, "the file contains an XInclude element; inclusions are refused", line=line, path=path
    )


def depth_finding(depth: int | str, limit: int, line: int | None, path: str | None) -> Finding:
    return file_error(
        THREAT, f"elements are nested more than {limit} deep (found {depth}); refused", line=line, path=path
    )


def is_resource_error(entry: etree._LogEntry) -> bool:
    """Whether libxml2 stopped because the document tries to exhaust it, rather than because it is not XML."""
    lowered = entry.message.lower()
    return entry.type_name in _RESOURCE_ERRORS or any(word in lowered for word in _RESOURCE_WORDS)


def parse_error_finding(entry: etree._LogEntry | None, fallback: str, path: str | None) -> Finding:
    """The finding for an error libxml2 raised while parsing: resource exhaustion is a threat (50005),
    anything else means the file is not well-formed XML in UTF-8 (50007)."""
    message = disclosure.parse_message(entry.message.strip() if entry is not None else fallback)
    line = entry.line if entry is not None and entry.line > 0 else None
    type_name = entry.type_name if entry is not None else ""
    lowered = message.lower()
    if (entry is not None and is_resource_error(entry)) or any(word in lowered for word in _RESOURCE_WORDS):
        return file_error(THREAT, f"the parser's safety limits were hit: {message}", line=line, path=path)
    if "premature end of data" in lowered or type_name == "ERR_TAG_NOT_FINISHED":
        message = f"the file ends before the document does (truncated?): {message}"
    return file_error(NOT_VALID, f"not well-formed XML: {message}", line=line, path=path)
