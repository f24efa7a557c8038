"""Where the DPI and CbC parties stand against the registries.

- `dpi_seller_match`: an individual seller against the taxpayer registry, decided by the same matcher
  and in the same shape as `party_match` (exchange.reconcile.sellers).
- `company_match`: an entity seller (`source` dpi_seller, `position` 0) or a CbC constituent entity
  (`source` cbc_entity, `source_id` its cbc_report, `position` its place there) against the company
  registry (exchange.reconcile.companies).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, ForeignKey, Integer, String, Table
from sqlalchemy.orm import Mapped, mapped_column

from exchange.models import Base
from exchange.reconcile.models import PartyMatch
from exchange.store.types import Id


def _decision_columns() -> list[Column[Any]]:
    """`party_match`'s columns after its key: a seller's decision is kept in the same shape."""
    party_match: Table = PartyMatch.__table__  # type: ignore[assignment]
    columns = []
    for column in party_match.columns:
        if column.name == "party_id":
            continue
        copy = column._copy()  # a copy leaves out the foreign keys its table's constraints hold
        for key in column.foreign_keys:
            copy.append_foreign_key(ForeignKey(key.target_fullname))
        columns.append(copy)
    return columns


SELLER_MATCH = Table(
    "dpi_seller_match",
    Base.metadata,
    Column("seller_id", Id, ForeignKey("dpi_seller.id"), primary_key=True),
    *_decision_columns(),
)


class SellerMatch(Base):
    __table__ = SELLER_MATCH

    seller_id: Mapped[int]
    file_id: Mapped[int]
    decision: Mapped[str]
    method: Mapped[str]
    taxpayer_id: Mapped[int | None]
    match_weight: Mapped[float | None]
    probability: Mapped[float | None]
    explanation: Mapped[dict[str, Any]]
    candidates: Mapped[list[dict[str, Any]]]
    model_version: Mapped[str]
    matched_at: Mapped[datetime]


class CompanyMatch(Base):
    __tablename__ = "company_match"

    source: Mapped[str] = mapped_column(String(12), primary_key=True)  # dpi_seller, cbc_entity
    source_id: Mapped[int] = mapped_column(Id, primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    file_id: Mapped[int] = mapped_column(Id, ForeignKey("received_file.id"), index=True)
    decision: Mapped[str] = mapped_column(String(10), index=True)  # match, no_match
    method: Mapped[str] = mapped_column(String(8))  # number, name, none
    company_id: Mapped[int | None] = mapped_column(Id, ForeignKey("company.id"), index=True)
    matched_at: Mapped[datetime] = mapped_column()


class PropertyMatch(Base):
    """A DPI property listing (`seller_id`, `position`) against the properties returns declare
    (exchange.reconcile.properties): the declaration it was found to be (`taxpayer_id`, `tax_year`,
    `line`), by land registration number or address."""

    __tablename__ = "property_match"

    seller_id: Mapped[int] = mapped_column(Id, ForeignKey("dpi_seller.id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    file_id: Mapped[int] = mapped_column(Id, ForeignKey("received_file.id"), index=True)
    decision: Mapped[str] = mapped_column(String(10), index=True)  # match, candidates, no_match, awaiting
    method: Mapped[str] = mapped_column(String(20))  # land_registration, address, none
    taxpayer_id: Mapped[int | None] = mapped_column(Id, ForeignKey("taxpayer.id"), index=True)
    tax_year: Mapped[int | None] = mapped_column(Integer)
    line: Mapped[int | None] = mapped_column(Integer)
    candidates: Mapped[int] = mapped_column(Integer)  # declarations that agreed
    matched_at: Mapped[datetime] = mapped_column()
