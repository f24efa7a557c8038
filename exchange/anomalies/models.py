"""Tables of the flags: each flag with its evidence, the events case management receives, each
taxpayer's combined risk score, the balances record errors dispute (the audit of analyst queries is
`exchange.audit`).

A flag is never deleted: a retraction keeps the row (state `retracted`) so that what an analyst saw
yesterday can still be explained today. `fingerprint` names what a flag is about (rule, scope,
subject), so evaluating the same data again finds the same row instead of adding one.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

import exchange.reconcile.models  # noqa: F401  (the party, file and taxpayer tables flags point to)
from exchange.models import Base
from exchange.store.types import Amount, Count, Id

# Led by state (every query of the flags names one), then what analysts filter and count by; then the
# taxpayer, which the listing's default order (the taxpayer's risk score) joins on, and the id a page is
# found by (implicit in SQLite's indexes, not in PostgreSQL's: without it the page read the table).
FACET_INDEX = ("state", "code", "sender", "severity", "reporting_year", "institution", "taxpayer_id", "id")


class Flag(Base):
    __tablename__ = "flag"
    __table_args__ = (
        Index("ix_flag_state_code", "state", "code"),
        # The console's facets, counts and page tops read this index alone (migration 0014).
        Index("ix_flag_facets", *FACET_INDEX),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String, unique=True)
    code: Mapped[str] = mapped_column(String(8))
    scope_key: Mapped[str] = mapped_column(String, index=True)  # account:7, taxpayer:3:2025, institution:...
    state: Mapped[str] = mapped_column(String(10))  # raised, retracted
    severity: Mapped[str] = mapped_column(String(8))
    score: Mapped[int] = mapped_column(Integer)  # the rule's points towards its taxpayer's risk score
    taxpayer_id: Mapped[int | None] = mapped_column(Id, ForeignKey("taxpayer.id"), index=True)
    party_id: Mapped[int | None] = mapped_column(Id, ForeignKey("party.id"))
    account_report_id: Mapped[int | None] = mapped_column(Id, ForeignKey("account_report.id"))
    sender: Mapped[str | None] = mapped_column(String)
    reporting_year: Mapped[int | None] = mapped_column(Integer)
    institution: Mapped[str | None] = mapped_column(String)  # the reporting FI's key (its IN)
    amount: Mapped[Decimal | None] = mapped_column(Amount)
    currency: Mapped[str | None] = mapped_column(String(3))
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON)
    file_id: Mapped[int | None] = mapped_column(Id, ForeignKey("received_file.id"))  # last evaluated by
    raised_at: Mapped[datetime] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column()
    retracted_at: Mapped[datetime | None] = mapped_column()


class FlagEventRow(Base):
    """Every raise, update and retraction, as published on the flags topic: an outbox, so an event the
    broker did not take can be published again after a crash instead of being lost."""

    __tablename__ = "flag_event"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    flag_id: Mapped[int] = mapped_column(Id, ForeignKey("flag.id"), index=True)
    event: Mapped[str] = mapped_column(String(10))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column()
    published_at: Mapped[datetime | None] = mapped_column(index=True)


class TaxpayerRisk(Base):
    """A taxpayer's raised flags combined into one score (exchange.anomalies.scores)."""

    __tablename__ = "taxpayer_risk"
    # The flags page's default order walks the scores from the top (exchange/anomalies/queries.py),
    # reading this index alone (migration 0018).
    __table_args__ = (Index("ix_taxpayer_risk_score", "score", "taxpayer_id"),)

    taxpayer_id: Mapped[int] = mapped_column(Id, ForeignKey("taxpayer.id"), primary_key=True)
    score: Mapped[float] = mapped_column(Float)
    flags: Mapped[int] = mapped_column(Integer)
    max_severity: Mapped[str | None] = mapped_column(String(8))
    updated_at: Mapped[datetime] = mapped_column()


class FlagFacetCount(Base):
    """How many flags have each combination of state and facet values: the console's facets and totals
    read these few thousand rows instead of counting a million flags. Kept by the flag writer in the
    transaction that writes the flags (exchange/anomalies/facet_counts.py). A missing sender, year or
    institution is stored as `NONE_TEXT` / `NONE_YEAR`, so that the combination can be a primary key on
    both engines (their unique keys never match NULLs)."""

    __tablename__ = "flag_facet_count"

    state: Mapped[str] = mapped_column(String(10), primary_key=True)
    code: Mapped[str] = mapped_column(String(8), primary_key=True)
    sender: Mapped[str] = mapped_column(String, primary_key=True)
    severity: Mapped[str] = mapped_column(String(8), primary_key=True)
    reporting_year: Mapped[int] = mapped_column(Integer, primary_key=True)
    institution: Mapped[str] = mapped_column(String, primary_key=True)
    flags: Mapped[int] = mapped_column(Count)


class DisputedBalance(Base):
    """A stored account report whose balance a record error of its file says is wrong (the codes of
    `record_errors.BALANCE_ERRORS`): the flags leave that balance out. Derived from the file's findings
    when the file is evaluated, so that the per-record path is one indexed look-up, not a search of
    each finding's DocRefIds."""

    __tablename__ = "disputed_balance"

    account_report_id: Mapped[int] = mapped_column(Id, ForeignKey("account_report.id"), primary_key=True)
    code: Mapped[int] = mapped_column(Integer, primary_key=True)


class TaxpayerLock(Base):
    """One row per taxpayer an evaluation has flagged, locked FOR UPDATE by the evaluation that looks
    at their taxpayer years (transaction.py): a row lock lives in the row, not in PostgreSQL's lock
    table, so an evaluation can hold one per taxpayer of a 100k-report file. Nothing else writes it."""

    __tablename__ = "taxpayer_lock"

    taxpayer_id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=False)
