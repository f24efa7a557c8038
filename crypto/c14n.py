"""Canonical XML 1.0 and Exclusive XML Canonicalization 1.0 of one element subtree, as it streams.

Written here rather than taken from lxml for two reasons: libxml2's inclusive C14N of a subtree emits a
stray xmlns="" (FACTS §4 pitfall; it breaks the IRS sample's signature), and a tree-based canonicalizer
needs the whole document in memory. The events come from `crypto.xmlsafe.SafeXmlReader`, whose parser
has already normalized line ends, attribute values, character references and CDATA sections.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from crypto.algorithms import XML_NS, C14nMethod

_EMPTY: dict[str, str] = {}


def escape_text(data: str) -> str:
    if "&" in data:
        data = data.replace("&", "&amp;")
    if "<" in data:
        data = data.replace("<", "&lt;")
    if ">" in data:
        data = data.replace(">", "&gt;")
    if "\r" in data:
        data = data.replace("\r", "&#xD;")
    return data


def escape_attribute(value: str) -> str:
    if "&" in value:
        value = value.replace("&", "&amp;")
    if "<" in value:
        value = value.replace("<", "&lt;")
    if '"' in value:
        value = value.replace('"', "&quot;")
    if "\t" in value:
        value = value.replace("\t", "&#x9;")
    if "\n" in value:
        value = value.replace("\n", "&#xA;")
    if "\r" in value:
        value = value.replace("\r", "&#xD;")
    return value


def prefix_of(qname: str) -> str:
    colon = qname.find(":")
    return qname[:colon] if colon > 0 else ""


def _attribute_key(qname: str, scope: Mapping[str, str]) -> tuple[str, str]:
    colon = qname.find(":")
    if colon <= 0:
        return "", qname  # unqualified attributes have no namespace and sort first
    prefix = qname[:colon]
    return (XML_NS if prefix == "xml" else scope[prefix]), qname[colon + 1 :]


def render_start_tag(
    qname: str, namespaces: Mapping[str, str], attributes: Sequence[tuple[str, str]], scope: Mapping[str, str]
) -> str:
    if not namespaces and not attributes:
        return f"<{qname}>"
    parts = ["<", qname]
    for prefix in sorted(namespaces):  # the default namespace ('') sorts first, as C14N requires
        name = f"xmlns:{prefix}" if prefix else "xmlns"
        parts.append(f' {name}="{escape_attribute(namespaces[prefix])}"')
    for name, value in sorted(attributes, key=lambda item: _attribute_key(item[0], scope)):
        parts.append(f' {name}="{escape_attribute(value)}"')
    parts.append(">")
    return "".join(parts)


class Canonicalizer:
    """Appends the canonical form of one element (the apex) and its descendants to `parts`.

    Feed it the events of that subtree only, starting with the apex's start tag. References by
    same-document Id never include comments, so the verifier passes a method without them.
    """

    def __init__(
        self,
        method: C14nMethod,
        parts: list[str],
        *,
        inherited_xml_attributes: Iterable[tuple[str, str]] = (),
        inclusive_prefixes: Iterable[str] = (),
    ) -> None:
        self.method = method
        self.parts = parts
        # Namespace declarations rendered on the output ancestors of the current element, cumulated.
        self._rendered: list[dict[str, str]] = []
        self._inherited = list(inherited_xml_attributes) if not method.exclusive else []
        self._inclusive_prefixes = frozenset("" if p == "#default" else p for p in inclusive_prefixes)
        # Exclusive C14N without InclusiveNamespaces: only the element's own prefix and its attributes'
        # can need declaring, so `start` settles the common shapes inline (it runs once per element of
        # a payload that may hold millions).
        self._plain_exclusive = method.exclusive and not self._inclusive_prefixes

    @property
    def depth(self) -> int:
        return len(self._rendered)

    @property
    def rendered_scope(self) -> dict[str, str]:
        """Namespaces declared in the output on the current element and its ancestors."""
        return self._rendered[-1] if self._rendered else _EMPTY

    def start(
        self,
        qname: str,
        attributes: list[tuple[str, str]],
        declarations: dict[str, str],
        scope: dict[str, str],
    ) -> None:
        rendered = self._rendered
        parent = rendered[-1] if rendered else _EMPTY
        if self._plain_exclusive:
            colon = qname.find(":")
            prefix = qname[:colon] if colon > 0 else ""
            uri = scope.get(prefix, "")
            declared = parent.get(prefix, "") == uri
            if not attributes:
                if declared:
                    rendered.append(parent)
                    self.parts.append(f"<{qname}>")
                else:
                    namespace = {prefix: uri}
                    rendered.append({**parent, **namespace})
                    self.parts.append(render_start_tag(qname, namespace, attributes, scope))
                return
            if declared and all(":" not in name for name, _ in attributes):
                # Unqualified attributes need no declaration and sort by name alone (names are
                # unique within an element, so sorting the pairs sorts by name).
                rendered.append(parent)
                ordered = sorted(attributes) if len(attributes) > 1 else attributes
                rendered_attributes = "".join(f' {n}="{escape_attribute(v)}"' for n, v in ordered)
                self.parts.append(f"<{qname}{rendered_attributes}>")
                return
        if self.method.exclusive:
            namespaces = self._exclusive_namespaces(qname, attributes, scope, parent)
        elif not self._rendered:
            namespaces = {p: u for p, u in scope.items() if p != "xml" and (p or u)}
            attributes = self._with_inherited(attributes)
        elif declarations:
            # Below the apex, the parent's output scope is its whole in-scope set: only changes show.
            namespaces = {p: u for p, u in declarations.items() if parent.get(p, "") != u}
        else:
            namespaces = _EMPTY
        self._rendered.append({**parent, **namespaces} if namespaces else parent)
        self.parts.append(render_start_tag(qname, namespaces, attributes, scope))

    def end(self, qname: str) -> None:
        self._rendered.pop()
        self.parts.append(f"</{qname}>")

    def text(self, data: str) -> None:
        self.parts.append(escape_text(data))

    def comment(self, data: str) -> None:
        if self.method.with_comments:
            self.parts.append(f"<!--{data}-->")

    def pi(self, target: str, data: str) -> None:
        self.parts.append(f"<?{target} {data}?>" if data else f"<?{target}?>")

    def _exclusive_namespaces(
        self, qname: str, attributes: list[tuple[str, str]], scope: dict[str, str], parent: dict[str, str]
    ) -> dict[str, str]:
        prefix = prefix_of(qname)
        if not attributes and not self._inclusive_prefixes:  # the common case, kept fast
            uri = scope.get(prefix, "")
            return {prefix: uri} if parent.get(prefix, "") != uri else _EMPTY
        used = {prefix}
        used.update(prefix_of(name) for name, _ in attributes if ":" in name)
        used.update(p for p in self._inclusive_prefixes if p in scope)
        used.discard("xml")
        namespaces: dict[str, str] = {}
        for candidate in used:
            uri = scope.get(candidate, "")
            if parent.get(candidate, "") != uri:
                namespaces[candidate] = uri
        return namespaces

    def _with_inherited(self, attributes: list[tuple[str, str]]) -> list[tuple[str, str]]:
        # Canonical XML 1.0 copies xml:* attributes of omitted ancestors onto the apex.
        own = {name for name, _ in attributes}
        extra = [(name, value) for name, value in self._inherited if name not in own]
        return attributes + extra if extra else attributes
