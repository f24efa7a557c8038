"""Finding and compiling the XML schema of a format: the product's own (package `xsd`) or an operator's.

An operator may point `schema_dir` (Settings or a parameter) at another set laid out the same way, one
subfolder per format and version (`crs_v2/`, `fatca_v2/`...), such as the official OECD and IRS packages.
In such a folder the entry file is the spec's file name if present, otherwise the one `.xsd` file that
declares the root element in the format's namespace. Schemas are parsed with the same defences as
received files and compiled once per process.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from lxml import etree

from exchange.errors import ConfigError
from exchange.formats.spec import FormatSpec
from exchange.validation.safety import safe_document_parser
from xsd import schema_root

_XS = "{http://www.w3.org/2001/XMLSchema}"


def schema_entry(spec: FormatSpec, schema_dir: Path | None = None) -> Path:
    """The schema file that declares the spec's root element."""
    return _entry(spec, None if schema_dir is None else schema_dir.resolve())


@cache
def _entry(spec: FormatSpec, schema_dir: Path | None) -> Path:
    # Cached: scanning an operator's folder parses every schema file in it.
    folder = _folder(spec, schema_dir)
    own = folder / spec.schema_entry
    if own.is_file():
        return own
    if schema_dir is None:
        raise ConfigError(f"the product's schema {spec.schema_folder}/{spec.schema_entry} is missing")
    candidates = [path for path in sorted(folder.glob("*.xsd")) if _declares_root(path, spec)]
    if len(candidates) != 1:
        found = "none" if not candidates else ", ".join(path.name for path in candidates)
        raise ConfigError(
            f"{folder} must hold exactly one schema declaring {spec.root} in {spec.namespace} (found {found})"
        )
    return candidates[0]


def load_schema(spec: FormatSpec, schema_dir: Path | None = None) -> etree.XMLSchema:
    """The compiled schema of a format, cached: compiling the CRS set takes a fraction of a second."""
    return _compile(schema_entry(spec, schema_dir).resolve())


@cache
def _compile(entry: Path) -> etree.XMLSchema:
    try:
        document = etree.parse(str(entry), safe_document_parser())
        return etree.XMLSchema(document)
    except (etree.XMLSyntaxError, etree.XMLSchemaParseError) as exc:
        raise ConfigError(f"the schema {entry} cannot be used: {exc}") from None


def _folder(spec: FormatSpec, schema_dir: Path | None) -> Path:
    if schema_dir is not None:
        folder = schema_dir / spec.schema_folder
        if not folder.is_dir():
            raise ConfigError(
                f"schema folder {folder} not found (schema_dir must hold {spec.schema_folder}/)"
            )
        return folder
    root = schema_root()
    if not isinstance(root, Path):
        # Wheels install as plain files; a zipped install would need the schemas extracted first.
        raise ConfigError("the product's schemas are not on the file system; set schema_dir")
    return root / spec.schema_folder


def _declares_root(path: Path, spec: FormatSpec) -> bool:
    try:
        document = etree.parse(str(path), safe_document_parser())
    except etree.XMLSyntaxError:
        return False
    top = document.getroot()
    if top.get("targetNamespace") != spec.namespace:
        return False
    return any(element.get("name") == spec.root for element in top.iterchildren(f"{_XS}element"))
