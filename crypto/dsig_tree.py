"""Small recorded subtrees of a signature (SignedInfo, KeyInfo): replayable events plus a tiny tree.

Only the few small elements that must be read whole are recorded; the signed document never is.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from crypto.algorithms import XML_NS
from crypto.c14n import Canonicalizer
from crypto.errors import FileErrorCode, PacketError

_MAX_RECORDED_CHARS = 256 * 1024


@dataclass
class Node:
    namespace: str
    local: str
    attributes: dict[str, str]
    children: list[Node] = field(default_factory=list)
    text_parts: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "".join(self.text_parts)


def _resolve(qname: str, scope: dict[str, str]) -> tuple[str, str]:
    prefix, _, local = qname.rpartition(":")
    if prefix == "xml":
        return XML_NS, local
    return scope.get(prefix, ""), local


@dataclass(frozen=True, slots=True)
class _Start:
    qname: str
    attributes: list[tuple[str, str]]
    declarations: dict[str, str]
    scope: dict[str, str]


_Event = _Start | tuple[str, str]


class Recording:
    """Records one element's events (bounded), to be replayed into a canonicalizer and read as a tree."""

    def __init__(self, what: str) -> None:
        self.what = what
        self._events: list[_Event] = []
        self._size = 0
        self.depth = 0

    def _account(self, size: int) -> None:
        self._size += size
        if self._size > _MAX_RECORDED_CHARS:
            raise PacketError(
                FileErrorCode.FAILED_SIGNATURE_CHECK, f"the signature's {self.what} is too large"
            )

    def start(
        self,
        qname: str,
        attributes: list[tuple[str, str]],
        declarations: dict[str, str],
        scope: dict[str, str],
    ) -> None:
        self.depth += 1
        self._account(len(qname) + sum(len(n) + len(v) for n, v in attributes))
        self._events.append(_Start(qname, attributes, declarations, scope))

    def end(self, qname: str) -> None:
        self.depth -= 1
        self._events.append(("end", qname))

    def text(self, data: str) -> None:
        self._account(len(data))
        self._events.append(("text", data))

    def comment(self, data: str) -> None:
        self._account(len(data))
        self._events.append(("comment", data))

    def pi(self, target: str, data: str) -> None:
        raise PacketError(FileErrorCode.FAILED_SIGNATURE_CHECK, f"processing instruction in the {self.what}")

    def replay(self, canonicalizer: Canonicalizer) -> None:
        for event in self._events:
            if isinstance(event, _Start):
                canonicalizer.start(event.qname, event.attributes, event.declarations, event.scope)
            elif event[0] == "end":
                canonicalizer.end(event[1])
            elif event[0] == "text":
                canonicalizer.text(event[1])
            else:
                canonicalizer.comment(event[1])

    def tree(self) -> Node:
        stack: list[Node] = []
        root: Node | None = None
        for event in self._events:
            if isinstance(event, _Start):
                namespace, local = _resolve(event.qname, event.scope)
                node = Node(namespace, local, dict(event.attributes))
                if stack:
                    stack[-1].children.append(node)
                else:
                    root = node
                stack.append(node)
            elif event[0] == "end":
                stack.pop()
            elif event[0] == "text" and stack:
                stack[-1].text_parts.append(event[1])
        assert root is not None, "a recording always starts with its element"
        return root
