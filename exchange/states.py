"""The life of a received file, and the states of a record version in its correction chain.

A module of its own, importing nothing: validation reads these states without loading the store.
"""

from __future__ import annotations

from enum import StrEnum


class FileState(StrEnum):
    RECEIVED = "received"
    OPENED = "opened"
    VALIDATED = "validated"
    STORED = "stored"
    RECONCILED = "reconciled"
    FLAGGED = "flagged"
    ANSWERED = "answered"
    REJECTED = "rejected"


class Outcome(StrEnum):
    """The verdict on a file, the one word every command and view uses for it: a file error rejects
    it; accepted with errors means record errors only (those records refused, the rest stored)."""

    ACCEPTED = "accepted"
    ACCEPTED_WITH_ERRORS = "accepted_with_errors"
    REJECTED = "rejected"


# The happy path, in order; a file may skip a step (a product without reconciliation still answers),
# never go back. REJECTED is reachable from every state before STORED and is final.
_PATH = (
    FileState.RECEIVED,
    FileState.OPENED,
    FileState.VALIDATED,
    FileState.STORED,
    FileState.RECONCILED,
    FileState.FLAGGED,
    FileState.ANSWERED,
)

# States in which the file's effect on the store is complete: storing it again only replays the outcome.
SETTLED_STATES = frozenset({*_PATH[_PATH.index(FileState.STORED) :], FileState.REJECTED})


def can_advance(current: FileState, target: FileState) -> bool:
    if current is FileState.REJECTED:
        return False
    if target is FileState.REJECTED:
        return current not in SETTLED_STATES
    return _PATH.index(target) > _PATH.index(current)


class DocState(StrEnum):
    """A record version's place in its chain: only `current` versions are live data."""

    CURRENT = "current"
    SUPERSEDED = "superseded"  # replaced by a correction (OECD2, FATCA2/4)
    DELETED = "deleted"  # retired by a deletion (OECD3, FATCA3); the deletion record itself too


class RecordKind(StrEnum):
    REPORTING_FI = "reporting_fi"
    SPONSOR = "sponsor"
    INTERMEDIARY = "intermediary"
    ACCOUNT_REPORT = "account_report"
    POOL_REPORT = "pool_report"
    NIL_REPORT = "nil_report"
