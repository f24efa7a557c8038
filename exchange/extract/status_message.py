"""What a status message (csm v2) says, read from the elements the streaming pass hands out: the file it
answers, the verdict, and the error codes, counted rather than kept, so that the answer to a file of a
million records is read in the memory of a small one."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from exchange.extract.xmltext import local_name, text


@dataclass
class StatusReport:
    original_message_ref_id: str | None = None
    status: str | None = None  # Accepted or Rejected
    file_errors: list[str] = field(default_factory=list)  # a file error rejects: few, kept in order
    record_errors: Counter[str] = field(default_factory=Counter)
    validated_by: list[str] = field(default_factory=list)

    def read(self, element: etree._Element) -> None:
        """Take in one part of the message (the csm_v2 spec's `records`); anything else is ignored."""
        name = local_name(element)
        if name == "OriginalMessage":
            self.original_message_ref_id = _child_text(element, "OriginalMessageRefID")
        elif name == "FileError":
            self.file_errors.append(_child_text(element, "Code") or "?")
        elif name == "RecordError":
            self.record_errors[_child_text(element, "Code") or "?"] += 1
        elif name == "ValidationResult":
            self.status = _child_text(element, "Status")
            self.validated_by = [value for child in element if (value := _text_of(child, "ValidatedBy"))]

    def to_dict(self) -> dict[str, Any]:
        return {
            "original_message_ref_id": self.original_message_ref_id,
            "status": self.status,
            "file_errors": list(self.file_errors),
            "record_errors": dict(sorted(self.record_errors.items())),
            "validated_by": list(self.validated_by),
        }


def _child_text(element: etree._Element, name: str) -> str | None:
    return next((value for child in element if (value := _text_of(child, name))), None)


def _text_of(element: etree._Element, name: str) -> str | None:
    return text(element) if local_name(element) == name else None
