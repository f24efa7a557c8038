"""What the rules need to know of a sender's earlier files, asked in batches.

`History` is the protocol the engine calls: once for the file's MessageRefId, and once per chunk of
records for every DocRefId and CorrDocRefId the chunk names, never once per record. `StoreHistory`
(exchange.validation.rules.store_history) answers from the store; `MemoryHistory` answers from dicts,
for unit tests and for tools that validate without a database.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

from exchange.states import DocState, RecordKind


@dataclass(frozen=True, slots=True)
class KnownDoc:
    """A stored record version, as the chain rules need it."""

    kind: RecordKind
    state: DocState
    reporting_period: date | None = None  # of the message that brought it (80012); None if unknown


class History(Protocol):
    def doc_ref_states(self, sender: str, ids: Collection[str]) -> Mapping[str, KnownDoc]:
        """The stored versions among these DocRefIds of the sender (absent ones are left out)."""
        ...

    def used_message_ref_ids(self, sender: str, ids: Collection[str]) -> Mapping[str, int]:
        """The MessageRefIds among these that earlier files of the sender used, with the file's id."""
        ...


@dataclass
class MemoryHistory:
    """A History held in dicts; `lookups` counts the calls, so tests can check that lookups batch."""

    docs: dict[tuple[str, str], KnownDoc] = field(default_factory=dict)
    messages: dict[tuple[str, str], int] = field(default_factory=dict)
    lookups: int = 0

    def add_doc(
        self,
        sender: str,
        doc_ref_id: str,
        kind: RecordKind = RecordKind.ACCOUNT_REPORT,
        state: DocState = DocState.CURRENT,
        reporting_period: date | None = None,
    ) -> None:
        self.docs[sender, doc_ref_id] = KnownDoc(kind, state, reporting_period)

    def add_message(self, sender: str, message_ref_id: str, file_id: int = 1) -> None:
        self.messages[sender, message_ref_id] = file_id

    def doc_ref_states(self, sender: str, ids: Collection[str]) -> dict[str, KnownDoc]:
        self.lookups += 1
        return {doc_ref_id: doc for doc_ref_id in ids if (doc := self.docs.get((sender, doc_ref_id)))}

    def used_message_ref_ids(self, sender: str, ids: Collection[str]) -> dict[str, int]:
        self.lookups += 1
        return {
            message_ref_id: file_id
            for message_ref_id in ids
            if (file_id := self.messages.get((sender, message_ref_id))) is not None
        }
