"""A reader of XML schemas into a small content model the corpus generator can walk.

It understands what the CRS, FATCA, DPI, CbC and status-message schemas use: global and local elements,
named and anonymous types, sequence and choice (nested, with occurrences), named groups and attribute
groups, complexContent and simpleContent extensions, simple types restricted by enumeration, length,
digits (fraction and total), ranges and patterns. Anything else raises, so a schema that outgrows the
reader fails loudly instead of being half-understood. Test code only: the product never reads schemas
this way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from lxml import etree

XS = "http://www.w3.org/2001/XMLSchema"
_IGNORED = {f"{{{XS}}}annotation"}
BUILTINS = {
    "string", "token", "normalizedString", "decimal", "integer", "positiveInteger", "nonNegativeInteger",
    "boolean", "date", "dateTime",
}  # fmt: skip


@dataclass(frozen=True)
class SimpleType:
    key: str  # identifies the type across documents ("{ns}Name", or the declaring path when anonymous)
    base: str  # the builtin it restricts, by local name
    enumeration: tuple[str, ...] = ()
    min_length: int | None = None
    max_length: int | None = None
    fraction_digits: int | None = None
    min_inclusive: int | None = None
    max_inclusive: int | None = None
    pattern: str | None = None
    total_digits: int | None = None


@dataclass(frozen=True)
class Attribute:
    name: str
    type: SimpleType
    required: bool


@dataclass
class ElementDecl:
    tag: str  # Clark notation
    min: int
    max: int | None  # None: unbounded
    type: ComplexType | SimpleType
    fixed: str | None = None


@dataclass
class Particle:
    kind: Literal["sequence", "choice"]
    items: list[ElementDecl | Particle]
    min: int = 1
    max: int | None = 1


@dataclass
class ComplexType:
    key: str
    content: Particle | None = None
    simple: SimpleType | None = None  # simple content
    attributes: list[Attribute] = field(default_factory=list)


class SchemaModel:
    """Every schema document reachable from `entry` by import or include, resolved into one model."""

    def __init__(self, entry: Path) -> None:
        self.documents: list[etree._Element] = []
        self._load(entry.resolve(), set())
        self._globals: dict[tuple[str, str], etree._Element] = {}
        for document in self.documents:
            namespace = document.get("targetNamespace", "")
            for child in document:
                if isinstance(child.tag, str) and child.get("name"):
                    kind = etree.QName(child).localname
                    self._globals[(kind + ":" + namespace, child.get("name", ""))] = child
        self._complex: dict[str, ComplexType] = {}
        self.namespaces = sorted({document.get("targetNamespace", "") for document in self.documents})

    def root(self, namespace: str, name: str) -> ElementDecl:
        return self._element(self._global("element", namespace, name), namespace, path=name)

    # ------------------------------------------------------------------ loading

    def _load(self, path: Path, seen: set[Path]) -> None:
        if path in seen:
            return
        seen.add(path)
        document = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True)).getroot()
        self.documents.append(document)
        for child in document:
            if child.tag in (f"{{{XS}}}import", f"{{{XS}}}include") and child.get("schemaLocation"):
                self._load((path.parent / child.get("schemaLocation", "")).resolve(), seen)

    def _global(self, kind: str, namespace: str, name: str) -> etree._Element:
        try:
            return self._globals[(kind + ":" + namespace, name)]
        except KeyError:
            raise ValueError(f"no global {kind} {{{namespace}}}{name}") from None

    def _resolve(self, node: etree._Element, qname: str) -> tuple[str, str]:
        prefix, _, local = qname.rpartition(":")
        namespace = node.nsmap.get(prefix or None, "")
        return namespace or "", local

    @staticmethod
    def _target(node: etree._Element) -> str:
        return node.getroottree().getroot().get("targetNamespace", "")

    # ------------------------------------------------------------------ elements and particles

    def _element(self, node: etree._Element, namespace: str, path: str) -> ElementDecl:
        if node.get("ref"):
            ref_ns, ref_name = self._resolve(node, node.get("ref", ""))
            target = self._element(self._global("element", ref_ns, ref_name), ref_ns, path)
            return ElementDecl(target.tag, _min(node), _max(node), target.type, target.fixed)
        name = node.get("name", "")
        tag = f"{{{namespace}}}{name}" if namespace else name
        return ElementDecl(tag, _min(node), _max(node), self._element_type(node, path), node.get("fixed"))

    def _element_type(self, node: etree._Element, path: str) -> ComplexType | SimpleType:
        if node.get("type"):
            return self._named_type(node, node.get("type", ""))
        for child in node:
            if child.tag == f"{{{XS}}}complexType":
                return self._complex_type(child, key=path)
            if child.tag == f"{{{XS}}}simpleType":
                return self._simple_type(child, key=path)
        return SimpleType(key=path, base="string")  # an element without a type is anyType: not used here

    def _named_type(self, node: etree._Element, qname: str) -> ComplexType | SimpleType:
        namespace, local = self._resolve(node, qname)
        if namespace == XS:
            if local not in BUILTINS:
                raise ValueError(f"builtin type xs:{local} is not supported by the reader")
            return SimpleType(key=f"xs:{local}", base=local)
        key = f"{{{namespace}}}{local}"
        if ("complexType:" + namespace, local) in self._globals:
            if key not in self._complex:
                self._complex[key] = ComplexType(key)  # placeholder first: types may refer to themselves
                self._fill_complex(self._complex[key], self._global("complexType", namespace, local))
            return self._complex[key]
        return self._simple_type(self._global("simpleType", namespace, local), key=key)

    def _complex_type(self, node: etree._Element, key: str) -> ComplexType:
        result = ComplexType(key)
        self._fill_complex(result, node)
        return result

    def _fill_complex(self, result: ComplexType, node: etree._Element) -> None:
        namespace = self._target(node)
        for child in _children(node):
            local = etree.QName(child).localname
            if local in ("sequence", "choice", "group"):
                result.content = self._particle(child, namespace, result.key)
            elif local in ("attribute", "attributeGroup"):
                result.attributes.extend(self._attributes(child, result.key))
            elif local == "complexContent":
                self._complex_content(result, child, namespace)
            elif local == "simpleContent":
                self._simple_content(result, child)
            else:
                raise ValueError(f"unsupported xs:{local} in complex type {result.key}")

    def _complex_content(self, result: ComplexType, node: etree._Element, namespace: str) -> None:
        (extension,) = _children(node)
        if etree.QName(extension).localname != "extension":
            raise ValueError(f"only complexContent extensions are supported ({result.key})")
        base = self._named_type(extension, extension.get("base", ""))
        if not isinstance(base, ComplexType):
            raise ValueError(f"complexContent extension of a simple type in {result.key}")
        own = ComplexType(result.key + "+")
        self._fill_complex(own, extension)
        parts = [part for part in (base.content, own.content) if part is not None]
        result.content = Particle("sequence", list(parts))
        result.attributes.extend(base.attributes + own.attributes)

    def _simple_content(self, result: ComplexType, node: etree._Element) -> None:
        (extension,) = _children(node)
        if etree.QName(extension).localname != "extension":
            raise ValueError(f"only simpleContent extensions are supported ({result.key})")
        base = self._named_type(extension, extension.get("base", ""))
        result.simple = base.simple if isinstance(base, ComplexType) else base
        if isinstance(base, ComplexType):
            result.attributes.extend(base.attributes)
        for child in _children(extension):
            result.attributes.extend(self._attributes(child, result.key))

    def _particle(self, node: etree._Element, namespace: str, path: str) -> Particle:
        local = etree.QName(node).localname
        if local == "group":
            group_ns, group_name = self._resolve(node, node.get("ref", ""))
            (inner,) = _children(self._global("group", group_ns, group_name))
            particle = self._particle(inner, group_ns, path)
            return Particle(particle.kind, particle.items, _min(node), _max(node))
        if local not in ("sequence", "choice"):
            raise ValueError(f"unsupported particle xs:{local} in {path}")
        items: list[ElementDecl | Particle] = []
        for child in _children(node):
            if etree.QName(child).localname == "element":
                items.append(
                    self._element(child, namespace, f"{path}/{child.get('name') or child.get('ref')}")
                )
            else:
                items.append(self._particle(child, namespace, path))
        kind: Literal["sequence", "choice"] = "choice" if local == "choice" else "sequence"
        return Particle(kind, items, _min(node), _max(node))

    # ------------------------------------------------------------------ attributes and simple types

    def _attributes(self, node: etree._Element, path: str) -> list[Attribute]:
        local = etree.QName(node).localname
        if local == "attributeGroup":
            group_ns, group_name = self._resolve(node, node.get("ref", ""))
            group = self._global("attributeGroup", group_ns, group_name)
            return [attribute for child in _children(group) for attribute in self._attributes(child, path)]
        if local != "attribute":
            raise ValueError(f"unsupported xs:{local} among attributes of {path}")
        name = node.get("name", "")
        if node.get("type"):
            simple = self._named_type(node, node.get("type", ""))
            if not isinstance(simple, SimpleType):
                raise ValueError(f"attribute {name} of {path} has a complex type")
        else:
            simple = self._simple_type(_children(node)[0], key=f"{path}@{name}")
        return [Attribute(name, simple, node.get("use") == "required")]

    def _simple_type(self, node: etree._Element, key: str) -> SimpleType:
        (restriction,) = _children(node)
        if etree.QName(restriction).localname != "restriction":
            raise ValueError(f"only restrictions are supported for simple type {key}")
        base = self._named_type(restriction, restriction.get("base", ""))
        if not isinstance(base, SimpleType):
            raise ValueError(f"simple type {key} restricts a complex type")
        facets: dict[str, str] = {}
        enumeration: list[str] = []
        for facet in _children(restriction):
            name = etree.QName(facet).localname
            if name == "enumeration":
                enumeration.append(facet.get("value", ""))
            else:
                facets[name] = facet.get("value", "")
        return SimpleType(
            key=key,
            base=base.base,
            enumeration=tuple(enumeration) or base.enumeration,
            min_length=_int(facets.get("minLength"), base.min_length),
            max_length=_int(facets.get("maxLength"), base.max_length),
            fraction_digits=_int(facets.get("fractionDigits"), base.fraction_digits),
            min_inclusive=_int(facets.get("minInclusive"), base.min_inclusive),
            max_inclusive=_int(facets.get("maxInclusive"), base.max_inclusive),
            pattern=facets.get("pattern", base.pattern),
            total_digits=_int(facets.get("totalDigits"), base.total_digits),
        )


def _children(node: etree._Element) -> list[etree._Element]:
    return [child for child in node if isinstance(child.tag, str) and child.tag not in _IGNORED]


def _min(node: etree._Element) -> int:
    return int(node.get("minOccurs", "1"))


def _max(node: etree._Element) -> int | None:
    value = node.get("maxOccurs", "1")
    return None if value == "unbounded" else int(value)


def _int(value: str | None, inherited: int | None) -> int | None:
    return inherited if value is None else int(value)
