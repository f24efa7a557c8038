"""What the product knows about one exchange format and version: how to recognise it, where its schema is,
and which of its elements are the records the rest of the pipeline works on."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal


@dataclass(frozen=True)
class FormatSpec:
    name: str  # "crs", "fatca", "crs_status"...
    version: str  # "2.0"
    namespace: str  # the root element's namespace: what tells formats and versions apart
    root: str  # the root element's local name
    schema_folder: str  # folder under the schema root: "crs_v2"
    schema_entry: str  # the schema file that declares the root element, in that folder
    header: str = "MessageSpec"
    # The elements handed out one by one after the header: a report's correctable documents (each has a
    # DocSpec), which the store and the business rules read; a status message's parts.
    records: frozenset[str] = field(default_factory=frozenset)
    # A report carries records to check and store; a status message answers a file and is only read.
    kind: Literal["report", "status"] = "report"

    @property
    def label(self) -> str:
        return f"{self.name} {self.version}"

    @property
    def root_tag(self) -> str:
        return f"{{{self.namespace}}}{self.root}"

    def matches_version(self, written: str) -> bool:
        """Whether a root's `version` attribute agrees with this spec ("2", "2.0" and "2.00" all do)."""
        return _numeric(written) == _numeric(self.version)


def _numeric(version: str) -> tuple[str, ...]:
    parts = version.strip().split(".")
    while len(parts) > 1 and parts[-1].strip("0") == "":
        parts.pop()
    return tuple(part.lstrip("0") or "0" for part in parts)
