"""Writing and reading the audit trail (table `audit_entry`)."""

from __future__ import annotations

import getpass
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import JSON, Engine, Integer, String, insert, select, update
from sqlalchemy.orm import Mapped, mapped_column

from exchange.models import Base
from exchange.store.types import Id

T = TypeVar("T")

ANALYST_ENV = "EXCHANGE_ANALYST"
OPERATOR_ENV = "EXCHANGE_OPERATOR"
AUDITOR_ENV = "EXCHANGE_AUDITOR"


class AuditEntry(Base):
    """One audited act: an analyst's query, or an operator's action, with what it was about."""

    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    actor: Mapped[str] = mapped_column(String)
    at: Mapped[datetime] = mapped_column(index=True)
    action: Mapped[str] = mapped_column(String(32), index=True)  # flags.list, dlq.redrive, ...
    # What it was about, when it was one thing: "flag 12", "taxpayer 5", "exchange.dlq/0/15".
    subject: Mapped[str | None] = mapped_column(String)
    details: Mapped[dict[str, Any]] = mapped_column(JSON)  # filters, reason, ...
    row_count: Mapped[int | None] = mapped_column(Integer)
    output_format: Mapped[str | None] = mapped_column(String(8))


def current_user(given: str | None = None, env_var: str = ANALYST_ENV) -> str:
    """The person named on the command line, else in `env_var`, else the OS user."""
    return given or os.environ.get(env_var) or getpass.getuser()


def record(
    engine: Engine,
    actor: str,
    action: str,
    details: dict[str, Any] | None = None,
    *,
    subject: str | None = None,
    row_count: int | None = None,
    output_format: str | None = None,
) -> int:
    """Append one entry, in its own transaction; returns its id."""
    with engine.begin() as connection:
        inserted = connection.execute(
            insert(AuditEntry)
            .values(
                actor=actor,
                at=datetime.now(UTC),
                action=action,
                subject=subject,
                details=details or {},
                row_count=row_count,
                output_format=output_format,
            )
            .returning(AuditEntry.id)
        )
        entry_id: int = inserted.scalar_one()
    return entry_id


@dataclass
class AuditedAct:
    """An act being audited: its entry, and the rows it has shown so far."""

    entry_id: int
    rows: int = 0

    def counted(self, rows: Iterable[T]) -> Iterator[T]:
        """The rows, counted as they are handed on."""
        for row in rows:
            self.rows += 1
            yield row


@contextmanager
def audited(
    engine: Engine,
    actor: str,
    action: str,
    details: dict[str, Any] | None = None,
    *,
    subject: str | None = None,
    output_format: str | None = None,
) -> Iterator[AuditedAct]:
    """Record an act before it shows anything, then the rows it showed once it is done: a streamed
    export knows its count only at the end. An act that fails halfway keeps the rows it did show.
    Close what reads the rows before the block ends (SQLite: one writer at a time)."""
    act = AuditedAct(record(engine, actor, action, details, subject=subject, output_format=output_format))
    try:
        yield act
    finally:
        with engine.begin() as connection:
            connection.execute(
                update(AuditEntry).where(AuditEntry.id == act.entry_id).values(row_count=act.rows)
            )


@dataclass(frozen=True)
class AuditFilter:
    actor: str | None = None
    action_prefix: str | None = None  # "flags." for analysts' queries, "dlq." for dead-letter actions
    since: datetime | None = None
    until: datetime | None = None


def read_trail(engine: Engine, where: AuditFilter, limit: int | None = None) -> Iterator[dict[str, Any]]:
    """Entries newest first, as plain rows, streamed."""
    table = AuditEntry.__table__.c
    query = select(AuditEntry.__table__).order_by(table.at.desc(), table.id.desc())
    if where.actor is not None:
        query = query.where(table.actor == where.actor)
    if where.action_prefix is not None:
        query = query.where(table.action.startswith(where.action_prefix, autoescape=True))
    if where.since is not None:
        query = query.where(table.at >= where.since)
    if where.until is not None:
        query = query.where(table.at < where.until)
    if limit is not None:
        query = query.limit(limit)
    with engine.connect() as connection:
        for row in connection.execution_options(yield_per=1000).execute(query):
            yield dict(row._mapping)
