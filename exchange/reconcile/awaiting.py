"""Reconciliation before the registry is loaded: the parties wait for it instead of matching nobody.

Against an empty registry every reported person would be `no_match`, and every one of them an ID01
flag: a flood that says nothing but "the registry is not loaded yet". So a file reconciled while the
registry is empty records its parties as `awaiting` (no decision), and logs one warning for the file;
the flag rules that read decisions (identity, declarations, residence, benefits) find nothing to judge
and stay quiet. Once the registry is loaded, `exchange reconcile` (which takes the awaiting files along
with the new ones) or `exchange reconcile --rematch` decides, and `exchange flags evaluate` flags.
"""

from __future__ import annotations

from sqlalchemy import Connection, exists, select

from exchange.reconcile.decisions import DecisionKind
from exchange.reconcile.models import PartyMatch
from exchange.registry.models import Taxpayer
from exchange.store.models import AccountReportRow, ReceivedFile


def registry_loaded(connection: Connection) -> bool:
    """Whether the registry holds anyone to match against."""
    return connection.execute(select(Taxpayer.id).limit(1)).first() is not None


def files_awaiting(connection: Connection) -> list[int]:
    """The stored files with account reports whose parties have no decision yet: never reconciled, or
    reconciled while the registry was empty. (A file's decisions are written together, all awaiting
    or none.)"""
    # File by file, two indexed look-ups each: a store has thousands of files and millions of reports.
    has_reports = exists().where(AccountReportRow.file_id == ReceivedFile.id)
    decided = exists().where(
        PartyMatch.file_id == ReceivedFile.id, PartyMatch.decision != DecisionKind.AWAITING.value
    )
    query = select(ReceivedFile.id).where(has_reports, ~decided).order_by(ReceivedFile.id)
    return list(connection.execute(query).scalars())


def registry_notice(connection: Connection) -> str | None:
    """What an analyst or operator must hear before trusting the flags: the registry is not loaded,
    or files still wait to be matched against it. None when neither."""
    waiting = len(files_awaiting(connection))
    if not registry_loaded(connection):
        return (
            f"no registry loaded: {waiting} files await reconciliation; load it with "
            "`exchange registry load`, then `exchange reconcile --rematch` and `exchange flags evaluate`"
        )
    if waiting:
        return (
            f"{waiting} files await reconciliation against the registry: run `exchange reconcile`, "
            "then `exchange flags evaluate`"
        )
    return None
