"""The correction chains as the chain rules see them: what this file did so far, over what the store holds.

The memory keeps one entry per DocRefId of the file (an id and two enums), which is what the 800xx
rules need and no more. It mirrors the store's chain resolver (exchange.store.chains): a record the
rules refuse leaves no trace, as it will not be stored either.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from exchange.records import AccountReport, DocAction, NilReport, PoolReport, Record, ReportingFI
from exchange.states import DocState, RecordKind
from exchange.validation.rules.history import KnownDoc


@dataclass(frozen=True, slots=True)
class Version:
    kind: RecordKind
    state: DocState


def record_kind(record: Record) -> RecordKind:
    if isinstance(record, ReportingFI):
        return RecordKind(record.role.value)
    if isinstance(record, AccountReport):
        return RecordKind.ACCOUNT_REPORT
    if isinstance(record, PoolReport):
        return RecordKind.POOL_REPORT
    if isinstance(record, NilReport):
        return RecordKind.NIL_REPORT
    raise TypeError(f"not a record: {type(record).__name__}")


class ChainMemory:
    """The versions this file created, and the stored versions it corrected or deleted."""

    def __init__(self) -> None:
        self._created: dict[str, Version] = {}
        self._amended: dict[str, DocState] = {}  # CorrDocRefId -> the state this file left it in

    def created(self, doc_ref_id: str) -> Version | None:
        return self._created.get(doc_ref_id)

    def amended(self, doc_ref_id: str) -> DocState | None:
        return self._amended.get(doc_ref_id)

    def remember(self, record: Record) -> None:
        spec = record.doc_spec
        action = spec.action
        if action is None or action is DocAction.RESEND:
            return
        kind = record_kind(record)
        if action is DocAction.NEW:
            self._created.setdefault(spec.doc_ref_id, Version(kind, DocState.CURRENT))
            return
        if spec.corr_doc_ref_id:
            retired = DocState.SUPERSEDED if action is DocAction.CORRECTION else DocState.DELETED
            self._amended[spec.corr_doc_ref_id] = retired
        own = DocState.CURRENT if action is DocAction.CORRECTION else DocState.DELETED
        self._created.setdefault(spec.doc_ref_id, Version(kind, own))


@dataclass(frozen=True)
class ChainView:
    """One chunk's view: the file's memory so far, and the store's answer for the chunk's ids."""

    memory: ChainMemory
    stored: Mapping[str, KnownDoc]

    def version(self, doc_ref_id: str) -> Version | None:
        """The kind and current state of a DocRefId, this file's changes applied; None if unknown."""
        created = self.memory.created(doc_ref_id)
        known = self.stored.get(doc_ref_id)
        base = created or (None if known is None else Version(known.kind, known.state))
        if base is None:
            return None
        amended = self.memory.amended(doc_ref_id)
        return base if amended is None else Version(base.kind, amended)

    def used(self, doc_ref_id: str) -> bool:
        return self.memory.created(doc_ref_id) is not None or doc_ref_id in self.stored

    def amended_in_file(self, doc_ref_id: str) -> bool:
        return self.memory.amended(doc_ref_id) is not None
