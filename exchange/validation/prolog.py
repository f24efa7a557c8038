"""Reading a file up to its root element: enough to know its format, and the threats of the prolog.

Everything a DOCTYPE attack needs sits before the root element, so this is where it is refused; the
encoding is judged from the first bytes. The bytes read are kept so the validating parser can start over
from the first one without reading the stream twice.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import cast

from lxml import etree

from exchange.validation import encoding, safety
from exchange.validation.errorlog import listening
from exchange.validation.findings import Finding, file_error

PROLOG_LIMIT = 1024 * 1024  # a real prolog is a few hundred bytes; comments cannot justify more
_SLICE = 4096  # fed to the probe parser at a time, so it stops soon after the root's start tag


@dataclass(frozen=True)
class Prolog:
    consumed: bytes
    root_tag: str | None = None  # Clark notation: {namespace}local
    version: str | None = None  # the root's `version` attribute, as written
    line: int | None = None
    finding: Finding | None = None


def read_prolog(chunks: Iterator[bytes], limit: int = PROLOG_LIMIT) -> Prolog:
    """Read from `chunks` until the root element starts; report why not if it never does."""
    consumed = bytearray()
    errors: list[etree._LogEntry] = []
    parser = safety.safe_pull_parser()
    for chunk in chunks:
        consumed += chunk
        for start in range(0, len(chunk), _SLICE):
            root, failure = _feed(parser, chunk[start : start + _SLICE], errors)
            if failure is not None or root is not None:
                return _conclude(bytes(consumed), root, failure)
        if len(consumed) > limit:
            return _conclude(bytes(consumed), None, _no_root(f"no root element in the first {limit} bytes"))
    if not consumed.strip():
        return _conclude(bytes(consumed), None, _no_root("the file is empty"))
    return _conclude(bytes(consumed), *_finish(parser, errors))


def _conclude(consumed: bytes, root: etree._Element | None, failure: Finding | None) -> Prolog:
    # The encoding speaks first: a UTF-16 file fails to parse too, but "UTF-16" is the useful answer.
    if (finding := safety.encoding_finding(consumed[: encoding.PROBE])) is not None:
        return Prolog(consumed, finding=finding)
    if failure is not None and b"<!DOCTYPE" in consumed:
        # A DOCTYPE so broken that the root is never reached is still a DOCTYPE: a threat, not a typo.
        return Prolog(consumed, finding=safety.broken_doctype_finding(failure))
    if failure is not None or root is None:
        return Prolog(consumed, finding=failure or _no_root("the file has no root element"))
    return _at_root(consumed, root)


def _feed(
    parser: etree.XMLPullParser, data: bytes, errors: list[etree._LogEntry]
) -> tuple[etree._Element | None, Finding | None]:
    raised: etree.XMLSyntaxError | None = None
    try:
        with listening(errors.append):
            parser.feed(data)
    except etree.XMLSyntaxError as exc:
        raised = exc
    # A root that started before an error is enough: the validating pass reports the error, in context.
    for event, element in parser.read_events():
        if event == "start":
            return element, None
    if (entry := _first_error(errors)) is not None:
        return None, safety.parse_error_finding(entry, entry.message, None)
    if raised is not None:
        return None, safety.parse_error_finding(None, str(raised), None)
    return None, None


def _at_root(consumed: bytes, root: etree._Element) -> Prolog:
    if (finding := safety.doctype_finding(root)) is not None:
        return Prolog(consumed, finding=finding)
    version = root.get("version")
    return Prolog(consumed, root_tag=cast(str, root.tag), version=version, line=root.sourceline)


def _finish(
    parser: etree.XMLPullParser, errors: list[etree._LogEntry]
) -> tuple[etree._Element | None, Finding | None]:
    """End of input before a root was seen: the parser may still hold one (a tiny file), or an error."""
    try:
        with listening(errors.append):
            parser.close()
    except etree.XMLSyntaxError as exc:
        return None, safety.parse_error_finding(_first_error(errors), str(exc), None)
    root = next((element for event, element in parser.read_events() if event == "start"), None)
    return root, None if root is not None else _no_root("the file has no root element")


def _first_error(errors: list[etree._LogEntry]) -> etree._LogEntry | None:
    return next((entry for entry in errors if entry.level >= etree.ErrorLevels.ERROR), None)


def _no_root(message: str) -> Finding:
    return file_error(safety.NOT_VALID, f"not an XML document: {message}")
