"""The project's own XML schemas, one folder per format and version (for example `crs_v2/`).

Installed wheels find them through importlib.resources, so nothing depends on the checkout's layout.
An operator may point the product at another folder (the official schemas) instead.
"""

from __future__ import annotations

from importlib import resources
from importlib.resources.abc import Traversable


def schema_root() -> Traversable:
    return resources.files(__name__)


def schema_folders() -> list[str]:
    """Names of the schema folders shipped with the product."""
    return sorted(
        entry.name
        for entry in schema_root().iterdir()
        if entry.is_dir() and any(child.name.endswith(".xsd") for child in entry.iterdir())
    )


def schema_file(folder: str, filename: str) -> Traversable:
    entry = schema_root() / folder / filename
    if not entry.is_file():
        raise FileNotFoundError(f"no schema {folder}/{filename} in the product")
    return entry
