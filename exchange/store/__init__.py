"""The store: one transaction per file, correction chains, exactly-once effect, lookups and queries.

The pipeline calls `store_file` (or `reject_file`), moves files along with `register_file`,
`advance_state` and `mark_answered`; the validation rules call `doc_ref_states` and
`used_message_ref_ids` once per file; later stages read through `exchange.store.queries`.
"""

from __future__ import annotations

from exchange.states import DocState, FileState, Outcome, RecordKind
from exchange.store.files import advance_state, file_outcome, mark_answered, register_file
from exchange.store.lookups import DocRefStatus, doc_ref_states, used_message_ref_ids
from exchange.store.outcomes import (
    FileOutcome,
    PacketInfo,
    StatusBuilder,
    StatusDraft,
    StoredStatusMessage,
    Verdict,
)
from exchange.store.writer import DEFAULT_BATCH_SIZE, reject_file, store_file

__all__ = [
    "DEFAULT_BATCH_SIZE",
    "DocRefStatus",
    "DocState",
    "FileOutcome",
    "FileState",
    "Outcome",
    "PacketInfo",
    "RecordKind",
    "StatusBuilder",
    "StatusDraft",
    "StoredStatusMessage",
    "Verdict",
    "advance_state",
    "doc_ref_states",
    "file_outcome",
    "mark_answered",
    "register_file",
    "reject_file",
    "store_file",
    "used_message_ref_ids",
]
