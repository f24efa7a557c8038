"""What the rules need to know of a sender's earlier files, asked in batches.

`History` is the protocol the engine calls: once for the file's MessageRefId, and once per chunk of
records for every DocRefId and CorrDocRefId the chunk names, never once per record; 80009 asks once
per file, at its end, for the reports still current under the ReportingFIs the file deletes. `StoreHistory`
(exchange.validation.rules.store_history) answers from the store; `MemoryHistory` answers from dicts,
for unit tests and for tools that validate without a database.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
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

    def current_reports_under(
        self, sender: str, fi_doc_ref_ids: Collection[str], limit: int
    ) -> Mapping[str, Sequence[str]]:
        """For each of these DocRefIds that names a current ReportingFI of the sender, the DocRefIds of the
        current account-level records (AccountReports, PoolReports) stored under it: under any version
        of its correction chain. At most `limit` per ReportingFI, oldest first; those with none are left
        out (80009)."""
        ...


@dataclass
class MemoryHistory:
    """A History held in dicts; `lookups` counts the calls, so tests can check that lookups batch.

    It knows no correction chains: a report stands under the very ReportingFI DocRefId it was added with.
    """

    docs: dict[tuple[str, str], KnownDoc] = field(default_factory=dict)
    messages: dict[tuple[str, str], int] = field(default_factory=dict)
    under: dict[tuple[str, str], str] = field(default_factory=dict)  # (sender, report) -> ReportingFI
    lookups: int = 0

    def add_doc(
        self,
        sender: str,
        doc_ref_id: str,
        kind: RecordKind = RecordKind.ACCOUNT_REPORT,
        state: DocState = DocState.CURRENT,
        reporting_period: date | None = None,
        *,
        under: str | None = None,
    ) -> None:
        """`under` names the ReportingFI DocRefId an account-level record stands under."""
        self.docs[sender, doc_ref_id] = KnownDoc(kind, state, reporting_period)
        if under is not None:
            self.under[sender, doc_ref_id] = under

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

    def current_reports_under(
        self, sender: str, fi_doc_ref_ids: Collection[str], limit: int
    ) -> dict[str, list[str]]:
        self.lookups += 1
        wanted = {
            fi
            for fi in fi_doc_ref_ids
            if (doc := self.docs.get((sender, fi)))
            and doc.kind is RecordKind.REPORTING_FI
            and doc.state is DocState.CURRENT
        }
        found: dict[str, list[str]] = {}
        for (owner, report), fi in self.under.items():
            doc = self.docs.get((owner, report))
            if owner == sender and fi in wanted and doc is not None and doc.state is DocState.CURRENT:
                reports = found.setdefault(fi, [])
                if len(reports) < limit:
                    reports.append(report)
        return found
