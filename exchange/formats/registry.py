"""The formats this product reads: every module of this package that defines a `SPEC`.

Adding a format (CbC, DPI, CARF...) is one module here plus one schema folder under `xsd/`.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

from exchange.formats.spec import FormatSpec


@cache
def registered() -> tuple[FormatSpec, ...]:
    package = importlib.import_module("exchange.formats")
    specs = []
    for module_info in sorted(pkgutil.iter_modules(package.__path__), key=lambda info: info.name):
        module = importlib.import_module(f"exchange.formats.{module_info.name}")
        spec = getattr(module, "SPEC", None)
        if isinstance(spec, FormatSpec):
            specs.append(spec)
    _refuse_ambiguity(specs)
    return tuple(specs)


def find(namespace: str, root: str) -> FormatSpec | None:
    """The format whose root element is `{namespace}root`, if the product knows one."""
    return next((spec for spec in registered() if (spec.namespace, spec.root) == (namespace, root)), None)


def by_namespace(namespace: str) -> tuple[FormatSpec, ...]:
    """The formats using this namespace (a status-message namespace can serve several roots)."""
    return tuple(spec for spec in registered() if spec.namespace == namespace)


def _refuse_ambiguity(specs: list[FormatSpec]) -> None:
    seen: dict[str, FormatSpec] = {}
    for spec in specs:
        if (other := seen.get(spec.root_tag)) is not None:
            raise RuntimeError(f"formats {other.label} and {spec.label} share the root {spec.root_tag}")
        seen[spec.root_tag] = spec
