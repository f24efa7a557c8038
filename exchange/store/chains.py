"""Correction chains: where a record version goes, decided from what is known about the DocRefIds it names.

A new record (OECD1) starts a chain; a correction (OECD2) supersedes the current version it names and
becomes current; a deletion (OECD3) retires it, and is itself retired; a resend (OECD0) names a current
ReportingFI by its own DocRefId and adds no version. Only a current version may be corrected, deleted or
resent. The resolver holds one batch's DocRefIds at a time: the writer prefetches them from the database
(earlier batches of the same file included, since they are in the same transaction) before placing
the batch's records in order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from exchange.records import DocAction, DocSpec
from exchange.states import DocState, RecordKind
from exchange.validation.codes import (
    CORR_DOC_REF_ID_MISSING,
    CORR_DOC_REF_ID_NOT_CURRENT,
    CORR_DOC_REF_ID_UNKNOWN,
    DOC_REF_ID_REUSED,
    RESEND_NOT_CURRENT,
    RESEND_NOT_FOR_THIS_RECORD,
    RESEND_UNKNOWN,
)
from exchange.validation.findings import Finding

_ELEMENT = {
    RecordKind.REPORTING_FI: "ReportingFI",
    RecordKind.SPONSOR: "Sponsor",
    RecordKind.INTERMEDIARY: "Intermediary",
    RecordKind.ACCOUNT_REPORT: "AccountReport",
    RecordKind.POOL_REPORT: "PoolReport",
    RecordKind.NIL_REPORT: "NilReport",
    RecordKind.SELLER: "ReportableSeller",
    RecordKind.OTHER_OPERATOR: "OtherPlatformOperators",
    RecordKind.CBC_REPORT: "CbcReports",
    RecordKind.CBC_INFO: "AdditionalInfo",
}
_RESENDABLE = frozenset({RecordKind.REPORTING_FI, RecordKind.SPONSOR, RecordKind.INTERMEDIARY})


@dataclass(slots=True)
class ChainEntry:
    """What is known of one DocRefId while a batch is placed."""

    id: int
    kind: RecordKind
    state: DocState
    chain_id: int
    in_database: bool


@dataclass(slots=True)
class NewVersion:
    """A version to insert; its state is read when the batch is written, after later records acted on it."""

    entry: ChainEntry
    doc_spec: DocSpec
    corrects_id: int | None


def record_finding(code: int, kind: RecordKind, doc_spec: DocSpec, message: str, field: str) -> Finding:
    return Finding(
        code=code,
        level="record",
        message=message,
        doc_ref_ids=(doc_spec.doc_ref_id,),
        field_paths=(f"{_ELEMENT[kind]}/DocSpec/{field}",),
    )


class ChainResolver:
    def __init__(self) -> None:
        self._known: dict[str, ChainEntry] = {}
        self._new: list[NewVersion] = []
        self._state_changes: dict[int, DocState] = {}

    def missing(self, doc_specs: Iterable[DocSpec]) -> set[str]:
        """DocRefIds the batch names that the resolver does not know yet: the writer looks them up."""
        wanted: set[str] = set()
        for spec in doc_specs:
            wanted.add(spec.doc_ref_id)
            if spec.corr_doc_ref_id:
                wanted.add(spec.corr_doc_ref_id)
        return wanted - self._known.keys()

    def learn(self, doc_ref_id: str, entry: ChainEntry) -> None:
        self._known[doc_ref_id] = entry

    def place(self, kind: RecordKind, spec: DocSpec, next_id: Callable[[], int]) -> int | Finding | None:
        """The id of the version the record's rows belong to, the finding refusing it, or None for a
        DocTypeIndic no format defines (the schema finding rejects that file)."""
        action = spec.action
        if action is None:
            return None
        if action is DocAction.RESEND:
            return self._resend(kind, spec)
        if spec.doc_ref_id in self._known:
            return record_finding(
                DOC_REF_ID_REUSED, kind, spec, "DocRefId already used by an earlier record", "DocRefId"
            )
        if action is DocAction.NEW:
            new_id = next_id()
            self._add(spec, ChainEntry(new_id, kind, DocState.CURRENT, new_id, in_database=False), None)
            return new_id
        return self._amend(kind, spec, action, next_id)

    def _resend(self, kind: RecordKind, spec: DocSpec) -> int | Finding:
        if kind not in _RESENDABLE:
            return record_finding(
                RESEND_NOT_FOR_THIS_RECORD, kind, spec, "only a ReportingFI may be resent", "DocTypeIndic"
            )
        target = self._known.get(spec.doc_ref_id)
        if target is None or target.kind is not kind:
            return record_finding(RESEND_UNKNOWN, kind, spec, "resent DocRefId is unknown", "DocRefId")
        if target.state is not DocState.CURRENT:
            return record_finding(
                RESEND_NOT_CURRENT, kind, spec, "resent DocRefId was corrected or deleted", "DocRefId"
            )
        return target.id

    def _amend(
        self, kind: RecordKind, spec: DocSpec, action: DocAction, next_id: Callable[[], int]
    ) -> int | Finding:
        if not spec.corr_doc_ref_id:
            return record_finding(
                CORR_DOC_REF_ID_MISSING,
                kind,
                spec,
                "a correction or deletion needs a CorrDocRefId",
                "CorrDocRefId",
            )
        target = self._known.get(spec.corr_doc_ref_id)
        if target is None or target.kind is not kind:
            return record_finding(
                CORR_DOC_REF_ID_UNKNOWN, kind, spec, "CorrDocRefId names no known record", "CorrDocRefId"
            )
        if target.state is not DocState.CURRENT:
            return record_finding(
                CORR_DOC_REF_ID_NOT_CURRENT,
                kind,
                spec,
                f"CorrDocRefId names a record already {target.state.value}",
                "CorrDocRefId",
            )
        retired = DocState.SUPERSEDED if action is DocAction.CORRECTION else DocState.DELETED
        self._set_state(target, retired)
        new_id = next_id()
        state = DocState.CURRENT if action is DocAction.CORRECTION else DocState.DELETED
        self._add(spec, ChainEntry(new_id, kind, state, target.chain_id, in_database=False), target.id)
        return new_id

    def _add(self, spec: DocSpec, entry: ChainEntry, corrects_id: int | None) -> None:
        self._known[spec.doc_ref_id] = entry
        self._new.append(NewVersion(entry, spec, corrects_id))

    def _set_state(self, entry: ChainEntry, state: DocState) -> None:
        entry.state = state
        if entry.in_database:
            self._state_changes[entry.id] = state

    def drain(self) -> tuple[list[NewVersion], dict[int, DocState]]:
        """Hand over the batch's new versions and state changes, and forget the batch: once written,
        its DocRefIds are found in the database like any other."""
        drained = (self._new, self._state_changes)
        self._known = {}
        self._new = []
        self._state_changes = {}
        return drained
