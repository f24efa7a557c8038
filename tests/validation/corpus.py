"""A corpus of documents for proving two schemas equivalent: generated shapes and systematic mutations.

Documents are generated from a `SchemaModel` (the official schema read as an oracle, and ours): every
element the structure allows, in three sizes (required parts only; every optional part once; repeatable
parts twice), with the branches of every choice rotated by a seed, and one document per value of every
code list. Each generated document, and each official sample, is then mutated one change at a time:
every element dropped, duplicated and moved, every value replaced by what its type forbids (a wrong code,
a string one character too long, impossible dates, malformed decimals...), elements put in the wrong
namespace, the root's version changed. Mutations are applied in place and undone after the consumer has
looked at the document, so a corpus of thousands of documents costs one tree at a time.
"""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal, cast

from lxml import etree

from tests.validation.xsdmodel import ComplexType, ElementDecl, Particle, SchemaModel, SimpleType

Mode = Literal["minimal", "full", "maximal"]
XSI = "http://www.w3.org/2001/XMLSchema-instance"


@dataclass
class Typing:
    """What the generator knows of each element it made: the type of its text and of its attributes."""

    text: dict[etree._Element, SimpleType] = field(default_factory=dict)
    attributes: dict[etree._Element, dict[str, SimpleType]] = field(default_factory=dict)
    declarations: dict[etree._Element, ElementDecl] = field(default_factory=dict)


@dataclass
class Generated:
    label: str
    root: etree._Element
    typing: Typing


# ---------------------------------------------------------------------------------------- generation


class DocumentBuilder:
    def __init__(
        self,
        model: SchemaModel,
        root: ElementDecl,
        *,
        mode: Mode,
        seed: int = 0,
        force: dict[str, str] | None = None,
        version: str | None = None,
    ) -> None:
        self._model = model
        self._root = root
        self._mode = mode
        self._seed = seed
        self._force = force or {}
        self._version = version
        self._rotation: Counter[object] = Counter()
        self.typing = Typing()

    def build(self) -> etree._Element:
        prefixes = {
            f"n{index}": namespace for index, namespace in enumerate(self._model.namespaces) if namespace
        }
        root = etree.Element(self._root.tag, nsmap=prefixes)
        self._fill(root, self._root)
        if self._version is not None and self._mode != "minimal":
            root.set("version", self._version)
        return root

    def _fill(self, element: etree._Element, decl: ElementDecl) -> None:
        kind = decl.type
        if isinstance(kind, SimpleType):
            element.text = decl.fixed if decl.fixed is not None else self._value(kind)
            self.typing.text[element] = kind
            return
        self._set_attributes(element, kind)
        if kind.simple is not None:
            element.text = decl.fixed if decl.fixed is not None else self._value(kind.simple)
            self.typing.text[element] = kind.simple
        if kind.content is not None:
            self._particle(element, kind.content)

    def _set_attributes(self, element: etree._Element, kind: ComplexType) -> None:
        types: dict[str, SimpleType] = {}
        for attribute in kind.attributes:
            if attribute.required or self._mode != "minimal":
                element.set(attribute.name, self._value(attribute.type))
                types[attribute.name] = attribute.type
        if types:
            self.typing.attributes[element] = types

    def _particle(self, parent: etree._Element, particle: Particle) -> None:
        for _ in range(max(particle.min, 1)):
            if particle.kind == "choice":
                self._rotation[id(particle)] += 1
                branch = particle.items[(self._rotation[id(particle)] + self._seed) % len(particle.items)]
                self._item(parent, branch)
            else:
                for item in particle.items:
                    self._item(parent, item)

    def _item(self, parent: etree._Element, item: ElementDecl | Particle) -> None:
        if isinstance(item, Particle):
            self._particle(parent, item)
            return
        for _ in range(self._occurrences(item)):
            child = etree.SubElement(parent, item.tag)
            self.typing.declarations[child] = item
            self._fill(child, item)

    def _occurrences(self, decl: ElementDecl) -> int:
        if self._mode == "minimal":
            return decl.min
        if self._mode == "full":
            return max(decl.min, 1)
        return max(decl.min, 2 if decl.max is None or decl.max > 1 else 1)

    def _value(self, kind: SimpleType) -> str:
        if kind.key in self._force:
            return self._force[kind.key]
        self._rotation[kind.key] += 1
        turn = self._rotation[kind.key] + self._seed
        if kind.enumeration:
            return kind.enumeration[turn % len(kind.enumeration)]
        return sample_value(kind, turn)


def sample_value(kind: SimpleType, turn: int) -> str:
    """A valid value of a non-enumerated simple type, varied by `turn`."""
    base = kind.base
    if base == "boolean":
        return ("true", "false", "1", "0")[turn % 4]
    if base == "date":
        return ("2024-12-31", "1975-02-28", "2000-02-29Z")[turn % 3]
    if base == "dateTime":
        return ("2025-01-15T10:20:30", "2025-03-01T00:00:00.123Z", "2024-12-31T23:59:59+01:00")[turn % 3]
    if base == "decimal":
        return ("1234.56", "0", "-12.5", "1000000")[turn % 4]
    if base in ("integer", "positiveInteger", "nonNegativeInteger"):
        low = kind.min_inclusive if kind.min_inclusive is not None else 1
        high = kind.max_inclusive if kind.max_inclusive is not None else low + 10
        return str(low + turn % (high - low + 1))
    text = f"Sample text {turn}"
    if kind.max_length is not None:
        text = text[: kind.max_length]
    return text.ljust(kind.min_length or 0, "x")


def enumerated_types(model: SchemaModel, root: ElementDecl) -> dict[str, tuple[str, ...]]:
    """Every code list reachable from `root`, by type key."""
    found: dict[str, tuple[str, ...]] = {}
    seen: set[int] = set()

    def visit_type(kind: ComplexType | SimpleType) -> None:
        if isinstance(kind, SimpleType):
            if kind.enumeration:
                found[kind.key] = kind.enumeration
            return
        if id(kind) in seen:
            return
        seen.add(id(kind))
        for attribute in kind.attributes:
            visit_type(attribute.type)
        if kind.simple is not None:
            visit_type(kind.simple)
        if kind.content is not None:
            visit_particle(kind.content)

    def visit_particle(particle: Particle) -> None:
        for item in particle.items:
            if isinstance(item, Particle):
                visit_particle(item)
            else:
                visit_type(item.type)

    visit_type(root.type)
    return found


def generated_documents(
    model: SchemaModel, root: ElementDecl, version: str, label: str
) -> Iterator[Generated]:
    """Documents of every size and choice rotation, then one per code value of every code list."""
    for mode in ("minimal", "full", "maximal"):
        for seed in range(3 if mode != "maximal" else 2):
            builder = DocumentBuilder(model, root, mode=mode, seed=seed, version=version)
            yield Generated(f"{label} {mode}#{seed}", builder.build(), builder.typing)
    for key, values in sorted(enumerated_types(model, root).items()):
        for value in values:
            builder = DocumentBuilder(model, root, mode="full", force={key: value}, version=version)
            yield Generated(f"{label} code {_short(key)}={value}", builder.build(), builder.typing)


# ---------------------------------------------------------------------------------------- mutation


class Mutator:
    """Yields a label for each mutation while the document is in the mutated state, then undoes it.

    Mutations with the same effect on the same shape (same kind, same path without positions, same
    sibling context) are tried once across the whole corpus.
    """

    def __init__(self, namespaces: list[str], foreign_namespace: str) -> None:
        self._namespaces = [namespace for namespace in namespaces if namespace]
        self._foreign = foreign_namespace
        self._done: set[tuple[object, ...]] = set()

    def mutations(self, root: etree._Element, typing: Typing | None) -> Iterator[str]:
        yield from self._root_mutations(root)
        for element in list(root.iterdescendants()):
            if not isinstance(element.tag, str):
                continue
            yield from self._structure(element)
            yield from self._occurrence_bounds(element, typing)
            yield from self._namespace(element)
            yield from self._content(element, typing)
            yield from self._attribute_mutations(element, typing)

    def _fresh(self, *key: object) -> bool:
        if key in self._done:
            return False
        self._done.add(key)
        return True

    # ---------------------------------------------------------------- the root

    def _root_mutations(self, root: etree._Element) -> Iterator[str]:
        original_version = root.get("version")
        for version in (None, "", "1.0", "2.0", "3.0", "2.0.0.0.0.1", " 2.0 "):
            if self._fresh("version", root.tag, version):
                _set_or_delete(root, "version", version)
                yield f"version={version!r}"
        _set_or_delete(root, "version", original_version)
        original_tag = _tag(root)
        namespace, local = _split(original_tag)
        for other in [self._foreign, "", *self._namespaces]:
            if other != namespace and self._fresh("root-namespace", original_tag, other):
                root.tag = f"{{{other}}}{local}" if other else local
                yield f"root in namespace {other!r}"
        root.tag = f"{{{namespace}}}{local}X"
        if self._fresh("root-renamed", original_tag):
            yield "root renamed"
        root.tag = original_tag
        if self._fresh("xsi", original_tag):
            root.set(f"{{{XSI}}}schemaLocation", f"{namespace} any.xsd")
            yield "xsi:schemaLocation on the root"
            del root.attrib[f"{{{XSI}}}schemaLocation"]

    # ---------------------------------------------------------------- structure

    def _structure(self, element: etree._Element) -> Iterator[str]:
        parent = element.getparent()
        if parent is None:
            return
        path = _shape_path(element)
        shape = (path, tuple(_local(child) for child in parent if isinstance(child.tag, str)))
        previous = element.getprevious()
        if self._fresh("drop", *shape):
            parent.remove(element)
            yield f"drop {path}"
            _put_back(element, parent, previous)
        if self._fresh("duplicate", *shape):
            twin = copy.deepcopy(element)
            element.addnext(twin)
            yield f"duplicate {path}"
            parent.remove(twin)
        if previous is not None and self._fresh("earlier", *shape):
            previous.addprevious(element)
            yield f"move {path} one place earlier"
            _put_back(element, parent, previous)
        if element.getnext() is not None and self._fresh("last", *shape):
            parent.append(element)
            yield f"move {path} to the end of its parent"
            _put_back(element, parent, previous)
        grandparent = parent.getparent()
        if grandparent is not None and self._fresh("up", *shape):
            grandparent.append(element)
            yield f"move {path} up to its grandparent"
            _put_back(element, parent, previous)
        if self._fresh("unknown-child", _shape_path(parent)):
            stranger = etree.SubElement(parent, f"{{{_split(_tag(element))[0]}}}Unknown")
            yield f"unknown element in {_shape_path(parent)}"
            parent.remove(stranger)

    def _occurrence_bounds(self, element: etree._Element, typing: Typing | None) -> Iterator[str]:
        """As many copies of a repeatable element as its declaration allows, and one more; five and a
        hundred and one when unbounded (a bound below that in the other schema shows)."""
        decl = typing.declarations.get(element) if typing else None
        parent = element.getparent()
        if decl is None or parent is None or decl.max == 1:
            return
        if not self._fresh("bounds", _shape_path(element), decl.max):
            return
        totals = (5, 101) if decl.max is None else (decl.max, decl.max + 1)
        for total in totals:
            twins = [copy.deepcopy(element) for _ in range(total - 1)]
            for twin in twins:
                element.addnext(twin)
            yield f"{total} x {_shape_path(element)}"
            for twin in twins:
                parent.remove(twin)

    def _namespace(self, element: etree._Element) -> Iterator[str]:
        original = _tag(element)
        namespace, local = _split(original)
        others = [other for other in ["", *self._namespaces] if other != namespace]
        for other in others[:2]:
            if self._fresh("namespace", _shape_path(element), other):
                element.tag = f"{{{other}}}{local}" if other else local
                yield f"{_shape_path(element)} in namespace {other!r}"
                element.tag = original

    # ---------------------------------------------------------------- values

    def _content(self, element: etree._Element, typing: Typing | None) -> Iterator[str]:
        original = element.text
        kind = typing.text.get(element) if typing else None
        if kind is None and len(element) == 0 and typing is None:
            kind = SimpleType(key="?", base="string", max_length=200)  # a sample's leaf: type unknown
        if kind is None:
            if len(element) and self._fresh("mixed", _shape_path(element)):
                element.text = "stray text"
                yield f"text inside {_shape_path(element)}"
                element.text = original
            return
        for value in bad_values(kind, original or ""):
            if self._fresh("text", _shape_path(element), kind.key, value):
                element.text = value
                yield f"{_shape_path(element)} = {_clip(value)}"
        element.text = original

    def _attribute_mutations(self, element: etree._Element, typing: Typing | None) -> Iterator[str]:
        path = _shape_path(element)
        types = (typing.attributes.get(element) if typing else None) or {}
        for name in list(element.attrib):
            original = element.get(name)
            if self._fresh("drop-attribute", path, name):
                del element.attrib[name]
                yield f"drop {path}@{name}"
                element.set(name, original or "")
            kind = types.get(name) or SimpleType(key="?", base="string", max_length=200)
            for value in bad_values(kind, original or ""):
                if self._fresh("attribute", path, name, kind.key, value):
                    element.set(name, value)
                    yield f"{path}@{name} = {_clip(value)}"
            element.set(name, original or "")
        if self._fresh("unknown-attribute", path):
            element.set("bogus", "1")
            yield f"unknown attribute on {path}"
            del element.attrib["bogus"]


def bad_values(kind: SimpleType, current: str) -> list[str]:
    """Values that probe the edges of a simple type: most are invalid, a few are valid edge cases."""
    values = ["", " ", f" {current} "]
    if kind.enumeration:
        values += ["BOGUS", current.lower(), current + "0", current[:-1]]
    base = kind.base
    if base in ("string", "token", "normalizedString"):
        if kind.max_length is not None:
            values += ["y" * kind.max_length, "y" * (kind.max_length + 1)]
    elif base == "date":
        values += [
            "2024-02-30",
            "2023-02-29",
            "2024-13-01",
            "31.12.2024",
            "2024-12-31T00:00:00",
            "2024-1-1",
            "0000-01-01",
        ]
    elif base == "dateTime":
        values += [
            "2024-12-31",
            "2024-12-31T24:00:01",
            "2024-12-31 10:00:00",
            "2024-12-31T10:00",
            "2024-12-31T10:00:00+15:00",
        ]
    elif base == "decimal":
        values += ["1.234", "1,00", "abc", "1e3", "+1.10", ".5", "5.", "1.230", "12 34", "NaN"]
    elif base in ("integer", "positiveInteger", "nonNegativeInteger"):
        values += ["1.5", "abc", "-1", "0", "+7", "99999999999999999999999999"]
        if kind.total_digits is not None:
            digits = kind.total_digits
            values += ["9" * digits, "9" * (digits + 1), "0" * (digits + 1) + "1"]
    elif base == "boolean":
        values += ["yes", "TRUE", "2", "false"]
    return values


# ---------------------------------------------------------------------------------------- helpers


def _split(tag: str) -> tuple[str, str]:
    if tag.startswith("{"):
        namespace, _, local = tag[1:].partition("}")
        return namespace, local
    return "", tag


def _tag(element: etree._Element) -> str:
    return cast(str, element.tag)  # generated and parsed elements have str tags


def _local(element: etree._Element) -> str:
    return _split(_tag(element))[1]


def _shape_path(element: etree._Element) -> str:
    parts = [_local(node) for node in reversed(list(element.iterancestors()))]
    return "/" + "/".join([*parts, _local(element)])


def _put_back(element: etree._Element, parent: etree._Element, previous: etree._Element | None) -> None:
    """Return a moved or removed element to its place, right after the sibling that preceded it."""
    if previous is None:
        parent.insert(0, element)
    else:
        previous.addnext(element)


def _set_or_delete(element: etree._Element, name: str, value: str | None) -> None:
    if value is None:
        element.attrib.pop(name, None)
    else:
        element.set(name, value)


def _short(key: str) -> str:
    return key.rpartition("}")[2]


def _clip(value: str) -> str:
    return repr(value if len(value) <= 24 else f"{value[:10]}...({len(value)} chars)")
