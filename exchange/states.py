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


class Direction(StrEnum):
    """Which way a stored file came: from a partner authority, or from a domestic institution."""

    RECEIVED = "received"
    SUBMITTED = "submitted"


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


def outcome_of(state: FileState, has_findings: bool) -> Outcome | None:
    """The verdict on a file in `state` with or without findings; None while it is still on its way
    (received, opened, validated): a file has no verdict before it is stored or rejected."""
    if state is FileState.REJECTED:
        return Outcome.REJECTED
    if state not in SETTLED_STATES:
        return None
    # Without a file error every finding is a record error: its records refused or kept with the error.
    return Outcome.ACCEPTED_WITH_ERRORS if has_findings else Outcome.ACCEPTED


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
    SELLER = "seller"  # DPI ReportableSeller
    OTHER_OPERATOR = "other_operator"  # DPI AssumingPlatformOperator / AssumedPlatformOperator
    CBC_REPORT = "cbc_report"  # CbC CbcReports (one jurisdiction)
    CBC_INFO = "cbc_info"  # CbC AdditionalInfo
