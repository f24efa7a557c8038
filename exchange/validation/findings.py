"""What a check found wrong with a received file, in the shape the CRS status message reports it.

One `Finding` becomes one FileError (level "file") or one RecordError (level "record") of the status
message: code, plain-language details, the DocRefIds of the records in error and the paths of the fields
in error. `line` and `path` point an operator at the place in the received file; they go into the details.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

from exchange.validation.codes import FILE_CODES, RECORD_CODES

Level = Literal["file", "record"]


@dataclass(frozen=True)
class Finding:
    code: int
    level: Level
    message: str
    doc_ref_ids: tuple[str, ...] = ()
    field_paths: tuple[str, ...] = ()
    line: int | None = None
    path: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "code", int(self.code)
        )  # an IntEnum member prints and serialises as a plain code
        # The status message puts file and record errors in different lists with different code ranges;
        # a mismatch here would produce a message the partner's schema rejects.
        if self.level not in ("file", "record"):
            raise ValueError(f"level must be 'file' or 'record', not {self.level!r}")
        if self.code in FILE_CODES and self.level != "file":
            raise ValueError(f"code {self.code} is a file-level code")
        if self.code in RECORD_CODES and self.level != "record":
            raise ValueError(f"code {self.code} is a record-level code")
        if not 50000 <= self.code <= 99999:
            raise ValueError(f"code {self.code} is not an OECD status-message code")

    @property
    def rejects_file(self) -> bool:
        return self.level == "file"

    def details(self) -> str:
        """The message with its location, as the status message's Details and the CLI show it."""
        where = []
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.path:
            where.append(self.path)
        return f"{', '.join(where)}: {self.message}" if where else self.message

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["doc_ref_ids"] = list(self.doc_ref_ids)
        data["field_paths"] = list(self.field_paths)
        return data


def file_error(code: int, message: str, *, line: int | None = None, path: str | None = None) -> Finding:
    return Finding(code=code, level="file", message=message, line=line, path=path)
