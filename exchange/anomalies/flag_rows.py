"""The flags of a batch of scopes as stored, and the set-based writes that bring them in line with what
the rules fire now.

A batch's stored flags are read as plain rows, compared with the desired ones by fingerprint in Python,
and written back as three executemany statements at most: new flags inserted (their ids returned),
changed or raised-again flags updated by id, retracted flags updated by id; then the counts of the
combinations of facet values they left and entered (facet_counts.py). No ORM object is built.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Table, bindparam, select, update

from exchange.anomalies.events import EventType
from exchange.anomalies.facet_counts import FacetKey, add_counts, facet_key
from exchange.anomalies.models import Flag
from exchange.reconcile.db_source import chunked
from exchange.store.ids import insert_with_ids
from exchange.store.value_lists import among

RAISED, RETRACTED = "raised", "retracted"
# What a desired flag sets, and what comparing it with the stored one looks at.
COLUMNS = (
    "code",
    "scope_key",
    "severity",
    "score",
    "taxpayer_id",
    "party_id",
    "account_report_id",
    "sender",
    "reporting_year",
    "institution",
    "amount",
    "currency",
    "evidence",
)
# A change to these is news for case management; other columns (evidence, the report version that
# fired it) are kept current without an event.
NEWSWORTHY = frozenset({"amount", "currency"})
# Scope keys bound per read of the stored flags.
_KEYS_PER_QUERY = 2000

_FLAG: Table = Flag.__table__  # type: ignore[assignment]
_READ = [_FLAG.c.id, _FLAG.c.fingerprint, _FLAG.c.state, *(_FLAG.c[name] for name in COLUMNS)]


@dataclass(frozen=True, slots=True)
class FlagRow:
    """A flag as an event needs it: which flag, what it is about, the amount it carries."""

    id: int
    code: str
    severity: str
    score: int
    taxpayer_id: int | None
    sender: str | None
    reporting_year: int | None
    amount: Decimal | None
    currency: str | None
    scope_key: str

    @classmethod
    def of(cls, flag_id: int, columns: Mapping[str, Any]) -> FlagRow:
        return cls(
            flag_id,
            columns["code"],
            columns["severity"],
            columns["score"],
            columns["taxpayer_id"],
            columns["sender"],
            columns["reporting_year"],
            columns["amount"],
            columns["currency"],
            columns["scope_key"],
        )


@dataclass(frozen=True, slots=True)
class Stored:
    id: int
    state: str
    columns: dict[str, Any]


def stored_flags(connection: Connection, scope_keys: Collection[str]) -> dict[str, Stored]:
    """Every flag of these scopes, raised or retracted, by fingerprint."""
    stored: dict[str, Stored] = {}
    for batch in chunked(sorted(scope_keys), _KEYS_PER_QUERY):
        for row in connection.execute(select(*_READ).where(among(connection, _FLAG.c.scope_key, batch))):
            flag_id, fingerprint, state, *values = row
            stored[fingerprint] = Stored(flag_id, state, dict(zip(COLUMNS, values, strict=True)))
    return stored


def comparable_evidence(evidence: Mapping[str, Any]) -> dict[str, Any]:
    """The evidence as the JSON column reads it back (tuples as lists, keys as strings), so that
    comparing it with a stored flag's is exact. Evidence of plain values (nearly all of it) is copied
    as such; anything else takes the round trip through JSON itself, which a rule per row cost a
    twentieth of the evaluation."""
    try:
        return {_plain_key(key): _plain(value) for key, value in evidence.items()}
    except _NotPlainError:
        loaded: dict[str, Any] = json.loads(json.dumps(evidence, sort_keys=True))
        return loaded


class _NotPlainError(Exception):
    """A value JSON would write differently from how Python holds it (an enum, a non-string key)."""


# Exact types only: a subclass (a str enum, an int flag) is written by JSON as its base value.
_SCALARS = frozenset({str, int, float, bool, type(None)})


def _plain_key(key: object) -> str:
    if type(key) is not str:
        raise _NotPlainError
    return key


def _plain(value: Any) -> Any:
    kind = type(value)
    if kind in _SCALARS:
        return value
    if kind is list or kind is tuple:
        return [_plain(item) for item in value]
    if kind is dict:
        return {_plain_key(key): _plain(item) for key, item in value.items()}
    raise _NotPlainError


@dataclass
class BatchChanges:
    """What one batch changes: flags to insert, to update (raised again, or with other columns) and to
    retract, and the events they are news for, in the order the comparison found them."""

    inserts: list[dict[str, Any]] = field(default_factory=list)
    raised_again: list[dict[str, Any]] = field(default_factory=list)
    refreshed: list[dict[str, Any]] = field(default_factory=list)
    retractions: list[dict[str, Any]] = field(default_factory=list)
    # (event, flag id or None for the n-th insert, n, the flag's columns)
    news: list[tuple[EventType, int | None, int, Mapping[str, Any]]] = field(default_factory=list)
    # How many flags each combination of state and facet values gains (or loses, negative).
    facets: Counter[FacetKey] = field(default_factory=Counter)

    def moved(self, old: Stored | None, state: str, columns: Mapping[str, Any]) -> None:
        """Count a flag out of its stored combination (none for a new flag) and into its new one."""
        if old is not None:
            self.facets[facet_key(old.state, old.columns)] -= 1
        self.facets[facet_key(state, columns)] += 1


def compare(
    stored: Mapping[str, Stored],
    desired: Mapping[str, dict[str, Any]],
    file_id: int | None,
    now: datetime,
) -> BatchChanges:
    """Compare the stored flags with the desired ones (columns by fingerprint): a new flag is raised,
    a retracted one the data supports again is raised again, one whose amount or currency changed is
    updated (another column changed: updated without an event), and a raised one the rules no longer
    fire is retracted."""
    changes = BatchChanges()
    for fingerprint, old in stored.items():
        if fingerprint not in desired and old.state == RAISED:
            changes.retractions.append({"b_id": old.id, "at": now, "file": file_id})
            changes.moved(old, RETRACTED, old.columns)
            changes.news.append((EventType.RETRACTED, old.id, 0, old.columns))
    for fingerprint, columns in desired.items():
        flag = stored.get(fingerprint)
        if flag is None:
            changes.moved(None, RAISED, columns)
            changes.news.append((EventType.RAISED, None, len(changes.inserts), columns))
            changes.inserts.append(
                {
                    **columns,
                    "fingerprint": fingerprint,
                    "state": RAISED,
                    "file_id": file_id,
                    "raised_at": now,
                    "updated_at": now,
                    "retracted_at": None,
                }
            )
            continue
        differs = [name for name in COLUMNS if flag.columns[name] != columns[name]]
        if flag.state == RAISED and not differs:
            continue
        row = {**columns, "b_id": flag.id, "file_id": file_id, "updated_at": now, "state": RAISED}
        changes.moved(flag, RAISED, columns)
        if flag.state == RETRACTED:
            changes.raised_again.append({**row, "raised_at": now, "retracted_at": None})
            changes.news.append((EventType.RAISED, flag.id, 0, columns))
        else:
            changes.refreshed.append(row)
            if NEWSWORTHY.intersection(differs):
                changes.news.append((EventType.UPDATED, flag.id, 0, columns))
    return changes


def _update(*names: str) -> Any:
    return update(_FLAG).where(_FLAG.c.id == bindparam("b_id")).values({n: bindparam(n) for n in names})


_REFRESH = _update(*COLUMNS, "file_id", "updated_at", "state")
_RAISE_AGAIN = _update(*COLUMNS, "file_id", "updated_at", "state", "raised_at", "retracted_at")
_RETRACT = (
    update(_FLAG)
    .where(_FLAG.c.id == bindparam("b_id"))
    .values(
        state=RETRACTED, retracted_at=bindparam("at"), updated_at=bindparam("at"), file_id=bindparam("file")
    )
)


def write(connection: Connection, changes: BatchChanges) -> list[tuple[EventType, FlagRow]]:
    """Write a batch's changes; the events they are news for, in the order the comparison found them."""
    for statement, rows in ((_RETRACT, changes.retractions), (_RAISE_AGAIN, changes.raised_again),
                            (_REFRESH, changes.refreshed)):  # fmt: skip
        if rows:
            connection.execute(statement, rows)
    # Through the table, not the mapped class: the ORM bulk insert inspects a mapping per row.
    new_ids = insert_with_ids(connection, _FLAG, changes.inserts)
    add_counts(connection, changes.facets)
    return [
        (event, FlagRow.of(new_ids[n] if flag_id is None else flag_id, columns))
        for event, flag_id, n, columns in changes.news
    ]
