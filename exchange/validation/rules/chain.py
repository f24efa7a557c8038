"""The correction chains as the chain rules see them: what this file did so far, over what the store holds.

The memory keeps one entry per DocRefId of the file (an id and a shared version), which is what the
800xx rules need and no more, and moves the entries to disk past a bound. It mirrors the store's chain
resolver (exchange.store.chains): a record the rules refuse leaves no trace, as it will not be stored
either.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass

from exchange.records import (
    AccountReport,
    CbcAdditionalInfo,
    CbcReport,
    DocAction,
    NilReport,
    OtherPlatformOperator,
    PoolReport,
    Record,
    ReportableSeller,
    ReportingFI,
)
from exchange.states import DocState, RecordKind
from exchange.validation.rules.history import KnownDoc


@dataclass(frozen=True, slots=True)
class Version:
    kind: RecordKind
    state: DocState


# Every entry of a file's memory holds one of these few versions: shared, not one object per DocRefId.
_VERSIONS = {(kind, state): Version(kind, state) for kind in RecordKind for state in DocState}


def record_kind(record: Record) -> RecordKind:
    if isinstance(record, ReportingFI):
        return RecordKind(record.role.value)
    if isinstance(record, AccountReport):
        return RecordKind.ACCOUNT_REPORT
    if isinstance(record, PoolReport):
        return RecordKind.POOL_REPORT
    if isinstance(record, NilReport):
        return RecordKind.NIL_REPORT
    if isinstance(record, ReportableSeller):
        return RecordKind.SELLER
    if isinstance(record, OtherPlatformOperator):
        return RecordKind.OTHER_OPERATOR
    if isinstance(record, CbcReport):
        return RecordKind.CBC_REPORT
    if isinstance(record, CbcAdditionalInfo):
        return RecordKind.CBC_INFO
    raise TypeError(f"not a record: {type(record).__name__}")


HELD_ENTRIES = 20_000  # about 2 MB of DocRefIds in memory before the disk takes over
_SCHEMA = """
PRAGMA journal_mode = OFF;
PRAGMA synchronous = OFF;
CREATE TABLE created (doc_ref_id TEXT PRIMARY KEY, kind TEXT NOT NULL, state TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE amended (doc_ref_id TEXT PRIMARY KEY, state TEXT NOT NULL) WITHOUT ROWID;
"""
_CREATED = "SELECT kind, state FROM created WHERE doc_ref_id = ?"
_AMENDED = "SELECT state FROM amended WHERE doc_ref_id = ?"
_CREATE = "INSERT INTO created VALUES (?, ?, ?) ON CONFLICT (doc_ref_id) DO NOTHING"
_AMEND = "INSERT INTO amended VALUES (?, ?) ON CONFLICT (doc_ref_id) DO UPDATE SET state = excluded.state"


class ChainMemory:
    """The versions this file created, and the stored versions it corrected or deleted.

    The newest entries are held in dicts; beyond `held` of them they move to a private temporary SQLite
    database on disk (deleted when closed), so that a file of a million records is checked in the
    memory of a small one. Each record asks about its own DocRefId and CorrDocRefId only, so the
    moved entries cost one indexed lookup each, and only in files that large.
    """

    def __init__(self, held: int | None = None) -> None:
        self._created: dict[str, Version] = {}
        self._amended: dict[str, DocState] = {}  # CorrDocRefId -> the state this file left it in
        self._held = HELD_ENTRIES if held is None else held
        self._disk: sqlite3.Connection | None = None
        # The DocRefId last looked for in vain: a new record is asked about by 80000 and then
        # remembered, and the second question need not reach the disk.
        self._last_missing: str | None = None

    def created(self, doc_ref_id: str) -> Version | None:
        found = self._created.get(doc_ref_id)
        if found is None and self._disk is not None:
            row = self._disk.execute(_CREATED, (doc_ref_id,)).fetchone()
            found = None if row is None else _VERSIONS[RecordKind(row[0]), DocState(row[1])]
        if found is None:
            self._last_missing = doc_ref_id
        return found

    def amended(self, doc_ref_id: str) -> DocState | None:
        found = self._amended.get(doc_ref_id)
        if found is None and self._disk is not None:
            row = self._disk.execute(_AMENDED, (doc_ref_id,)).fetchone()
            found = None if row is None else DocState(row[0])
        return found

    def remember(self, record: Record) -> None:
        spec = record.doc_spec
        action = spec.action
        if action is None or action is DocAction.RESEND:
            return
        kind = record_kind(record)
        if action is DocAction.NEW:
            self._create(spec.doc_ref_id, _VERSIONS[kind, DocState.CURRENT])
        else:
            if spec.corr_doc_ref_id:
                retired = DocState.SUPERSEDED if action is DocAction.CORRECTION else DocState.DELETED
                self._amended[spec.corr_doc_ref_id] = retired
            own = DocState.CURRENT if action is DocAction.CORRECTION else DocState.DELETED
            self._create(spec.doc_ref_id, _VERSIONS[kind, own])
        if len(self._created) + len(self._amended) >= self._held:
            self._move_to_disk()

    @property
    def on_disk(self) -> bool:
        return self._disk is not None

    def close(self) -> None:
        if self._disk is not None:
            self._disk.close()
            self._disk = None

    def _create(self, doc_ref_id: str, version: Version) -> None:
        # The first version of a DocRefId is the one that counts (a later one is refused by 80000).
        known = doc_ref_id in self._created or (
            self._disk is not None
            and doc_ref_id != self._last_missing
            and self.created(doc_ref_id) is not None
        )
        if not known:
            self._created[doc_ref_id] = version

    def _move_to_disk(self) -> None:
        if self._disk is None:
            self._disk = sqlite3.connect("", isolation_level=None)  # "": a private temporary file
            self._disk.executescript(_SCHEMA)
        self._disk.execute("BEGIN")
        self._disk.executemany(
            _CREATE,
            ((key, version.kind.value, version.state.value) for key, version in self._created.items()),
        )
        self._disk.executemany(_AMEND, ((key, state.value) for key, state in self._amended.items()))
        self._disk.execute("COMMIT")
        self._created.clear()
        self._amended.clear()
        self._last_missing = None


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
