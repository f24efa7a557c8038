"""Canonical XML 1.0 and Exclusive XML Canonicalization 1.0 of one element subtree, as it streams.

Written here rather than taken from lxml for two reasons: libxml2's inclusive C14N of a subtree emits a
stray xmlns="" (FACTS §4 pitfall; it breaks the IRS sample's signature), and a tree-based canonicalizer
needs the whole document in memory. The events come from `crypto.xmlsafe.SafeXmlReader`, whose parser
has already normalized line ends, attribute values, character references and CDATA sections.

`Canonicalizer` is the general path: one namespace-aware event at a time, every rule spelled out.
`ContentCanonicalizer` is the fast path for the bulk of a document (the content of its root): it
takes expat's callbacks directly and remembers, per namespace context, the start tag of each element
name it has seen, so a repeated element costs a dictionary look-up. Whatever it has not seen, or
cannot remember (prefixed attributes, declarations beside attributes), it sends through the general
path, and `tests/crypto/test_c14n_properties.py` holds the two to byte-identical output.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence

from crypto.algorithms import XML_NS, C14nMethod
from crypto.xmlsafe import open_element, too_deep

_EMPTY: dict[str, str] = {}
_NO_ATTRIBUTES: list[str] = []
# What one ContentCanonicalizer may remember, in characters of tags and keys plus an allowance for
# each entry's objects: a real schema's few hundred element names take a small part of it, while a
# hostile file of ever new names or huge namespace URIs must not make memory grow with its size.
_MEMORY_BUDGET = 1 << 20
_ENTRY_COST = 128


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


class EnvelopeGuard:
    """Namespaces a signed document inherits from the Signature around it, which the document's
    standalone copy does not declare: the Signature's own default namespace would otherwise sit, stray,
    on the root of every document taken out of it. `refuse(prefix)` is called if an element of the
    document relies on one of them (uses it, and nothing between it and the envelope renders it), since
    the standalone copy would then say something else than what was signed."""

    def __init__(self, prefixes: frozenset[str], refuse: Callable[[str], None]) -> None:
        self.prefixes = prefixes
        self._refuse = refuse

    def inside(
        self,
        inherited: frozenset[str],
        qname: str,
        attribute_names: Iterable[str],
        parent: Mapping[str, str],
        rendered: Mapping[str, str],
    ) -> frozenset[str]:
        """What is still inherited from the envelope inside this element (the same object if unchanged)."""
        if not inherited:
            return inherited
        # C14N never renders a prefix with the value its output ancestors rendered: a changed value is
        # a declaration on this element, which its content relies on instead of the envelope's.
        still = frozenset(p for p in inherited if rendered.get(p, "") == parent.get(p, ""))
        used = {prefix_of(qname)}
        used.update(prefix_of(name) for name in attribute_names if ":" in name)
        for prefix in sorted(used & still):
            self._refuse(prefix)
        return inherited if still == inherited else still


_NOTHING_INHERITED: frozenset[str] = frozenset()


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
        self.guard: EnvelopeGuard | None = None
        # Per open element from the guarded one down: the envelope's prefixes still inherited there.
        self._guarded: list[frozenset[str]] = []

    @property
    def depth(self) -> int:
        return len(self._rendered)

    @property
    def rendered_scope(self) -> dict[str, str]:
        """Namespaces declared in the output on the current element and its ancestors."""
        return self._rendered[-1] if self._rendered else _EMPTY

    @property
    def envelope_inherited(self) -> frozenset[str]:
        """The guard's prefixes still inherited from the envelope at the current element."""
        return self._guarded[-1] if self._guarded else _NOTHING_INHERITED

    def guard_content(self, guard: EnvelopeGuard) -> None:
        """Watch the content of the element just started (until its end) with `guard`."""
        self.guard = guard
        self._guarded = [guard.prefixes]

    def start(
        self,
        qname: str,
        attributes: list[tuple[str, str]],
        declarations: dict[str, str],
        scope: dict[str, str],
    ) -> None:
        rendered = self._rendered
        parent = rendered[-1] if rendered else None
        tag, namespaces = self.open_tag(qname, attributes, declarations, scope, parent)
        guarded = self._guarded
        if guarded and self.guard is not None:
            names = [name for name, _ in attributes]
            guarded.append(self.guard.inside(guarded[-1], qname, names, parent or _EMPTY, namespaces))
        rendered.append(namespaces)
        self.parts.append(tag)

    def open_tag(
        self,
        qname: str,
        attributes: list[tuple[str, str]],
        declarations: dict[str, str],
        scope: dict[str, str],
        parent: dict[str, str] | None,
    ) -> tuple[str, dict[str, str]]:
        """An element's canonical start tag, and the namespaces rendered on it and its output ancestors.

        `parent` is what the output ancestors rendered (None: the element is the apex). When the tag
        renders no namespace, `parent` itself comes back, so callers can tell "nothing changed" by identity.
        """
        if self.method.exclusive:
            namespaces = self._exclusive_namespaces(qname, attributes, scope, parent or _EMPTY)
        elif parent is None:
            namespaces = {p: u for p, u in scope.items() if p != "xml" and (p or u)}
            attributes = self._with_inherited(attributes)
        else:
            # Below the apex, the parent's output scope is its whole in-scope set: only changes show.
            namespaces = {p: u for p, u in declarations.items() if parent.get(p, "") != u}
        if parent is None:
            parent = _EMPTY
        return (
            render_start_tag(qname, namespaces, attributes, scope),
            {**parent, **namespaces} if namespaces else parent,
        )

    def end(self, qname: str) -> None:
        self._rendered.pop()
        if self._guarded:
            self._guarded.pop()
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
        # Exclusive C14N renders only the visibly utilized prefixes (and those InclusiveNamespaces
        # names) that the output ancestors have not already rendered with the same URI.
        used = {prefix_of(qname)}
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


class _Context:
    """Where an element sits: its scope and output scope, and the start tags already rendered there.

    Shared by all the elements under which nothing changes, and reached again through the remembered
    tags, so a document whose namespaces stay put uses a handful of them whatever its size.
    """

    __slots__ = ("inherited", "rendered", "scope", "tags")

    def __init__(
        self, scope: dict[str, str], rendered: dict[str, str], inherited: frozenset[str] = _NOTHING_INHERITED
    ) -> None:
        self.scope = scope
        self.rendered = rendered
        self.inherited = inherited  # the envelope's prefixes (EnvelopeGuard) still relied on here
        # By element name, or by (name, *declarations) for a tag that only declares namespaces: the
        # start tag without attributes, the same without its closing '>', the context inside.
        self.tags: dict[str | tuple[str, ...], tuple[str, str, _Context]] = {}


class ContentCanonicalizer:
    """The fast path: canonicalizes the content of the element a `Canonicalizer` has just started.

    Offer it to `SafeXmlReader` by returning it from the handler's `start` (see `ContentHandler`);
    the element's end tag goes back to the reader, and so to the canonicalizer. `on_watched` sees the
    value of every attribute named in `watched` (the verifier's Ids), wherever the event is handled.
    """

    def __init__(
        self,
        canonicalizer: Canonicalizer,
        *,
        watched: frozenset[str] = frozenset(),
        on_watched: Callable[[str], None] | None = None,
    ) -> None:
        self._canonicalizer = canonicalizer
        self._append = canonicalizer.parts.append
        self._watched = watched if on_watched is not None else frozenset()
        self._on_watched = on_watched or _ignore
        self._stack: list[_Context] = []
        self._context = _Context(_EMPTY, canonicalizer.rendered_scope)
        self._levels = 0
        self._max_depth = 0
        self._finish: Callable[[str], None] = _ignore
        self._budget = _MEMORY_BUDGET

    def begin(self, scope: dict[str, str], depth: int, max_depth: int, finish: Callable[[str], None]) -> None:
        canonicalizer = self._canonicalizer
        self._context = _Context(scope, canonicalizer.rendered_scope, canonicalizer.envelope_inherited)
        self._levels = max_depth - depth
        self._max_depth = max_depth
        self._finish = finish

    def start(self, qname: str, flat: list[str]) -> None:
        stack = self._stack
        if len(stack) >= self._levels:
            raise too_deep(self._max_depth)
        context = self._context
        if not flat:
            entry = context.tags.get(qname) or self._remember(context, qname, qname)
            tag = entry[0]
        elif (attributes := self._plain_attributes(flat)) is not None:
            entry = context.tags.get(qname) or self._remember(context, qname, qname)
            tag = f"{entry[1]}{attributes}>"
        else:
            # Exclusive C14N output read back (what signed files carry) re-declares a prefix on every
            # element that uses it first: tags that only declare namespaces repeat whole.
            key = (qname, *flat)
            known = context.tags.get(key)
            if known is None and not _only_declarations(flat):
                self._start_general(context, qname, flat)
                return
            entry = known or self._remember(context, key, qname, flat)
            tag = entry[0]
        stack.append(context)
        self._context = entry[2]
        self._append(tag)

    def end(self, qname: str) -> None:
        stack = self._stack
        if stack:
            self._context = stack.pop()
            self._append(f"</{qname}>")
        else:
            self._finish(qname)  # the element whose content this was: the reader takes over again

    def text(self, data: str) -> None:
        if "&" in data or "<" in data or ">" in data or "\r" in data:
            data = escape_text(data)
        self._append(data)

    def comment(self, data: str) -> None:
        self._canonicalizer.comment(data)

    def pi(self, target: str, data: str) -> None:
        self._canonicalizer.pi(target, data)

    def _plain_attributes(self, flat: list[str]) -> str | None:
        """The attributes in canonical order, or None if one has a prefix or declares a namespace."""
        if len(flat) == 2:  # the common case, kept free of loops
            name, value = flat
            if ":" in name or name == "xmlns":
                return None
            if name in self._watched:
                self._on_watched(value)
            return f' {name}="{escape_attribute(value)}"'
        names = flat[::2]
        for name in names:
            if ":" in name or name == "xmlns":
                return None
        pairs = sorted(zip(names, flat[1::2], strict=True))  # unprefixed: by name alone
        for name, value in pairs:
            if name in self._watched:
                self._on_watched(value)
        return "".join(f' {name}="{escape_attribute(value)}"' for name, value in pairs)

    def _remember(
        self,
        outer: _Context,
        key: str | tuple[str, ...],
        qname: str,
        declarations: list[str] = _NO_ATTRIBUTES,
    ) -> tuple[str, str, _Context]:
        declared, _, scope = open_element(qname, declarations, outer.scope)
        tag, rendered = self._canonicalizer.open_tag(qname, [], declared, scope, outer.rendered)
        inherited = self._still_inherited(outer, qname, (), rendered)
        inside = outer
        if scope is not outer.scope or rendered is not outer.rendered or inherited is not outer.inherited:
            inside = _Context(scope, rendered, inherited)
        entry = (tag, tag[:-1], inside)
        cost = _ENTRY_COST + 2 * len(tag) + len(qname) + sum(map(len, declarations))
        if cost <= self._budget:  # past it, tags are still right, only no longer remembered
            self._budget -= cost
            outer.tags[key] = entry
        return entry

    def _start_general(self, context: _Context, qname: str, flat: list[str]) -> None:
        declarations, attributes, scope = open_element(qname, flat, context.scope)
        for name, value in attributes:
            if name in self._watched:
                self._on_watched(value)
        tag, rendered = self._canonicalizer.open_tag(qname, attributes, declarations, scope, context.rendered)
        inherited = self._still_inherited(context, qname, [name for name, _ in attributes], rendered)
        self._stack.append(context)
        if (
            scope is not context.scope
            or rendered is not context.rendered
            or inherited is not context.inherited
        ):
            context = _Context(scope, rendered, inherited)
        self._context = context
        self._append(tag)

    def _still_inherited(
        self, outer: _Context, qname: str, attribute_names: Iterable[str], rendered: dict[str, str]
    ) -> frozenset[str]:
        guard = self._canonicalizer.guard
        if not outer.inherited or guard is None:
            return outer.inherited
        return guard.inside(outer.inherited, qname, attribute_names, outer.rendered, rendered)


def _only_declarations(flat: list[str]) -> bool:
    return all(name == "xmlns" or name.startswith("xmlns:") for name in flat[::2])


def _ignore(_: str) -> None:
    pass
