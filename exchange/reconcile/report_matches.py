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

from sqlalchemy import JSON, Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from exchange.models import Base
from exchange.store.types import Id


class SellerMatch(Base):
    __tablename__ = "dpi_seller_match"

    seller_id: Mapped[int] = mapped_column(Id, ForeignKey("dpi_seller.id"), primary_key=True)
    file_id: Mapped[int] = mapped_column(Id, ForeignKey("received_file.id"), index=True)
    decision: Mapped[str] = mapped_column(String(10), index=True)
    method: Mapped[str] = mapped_column(String(8))  # tin, linkage
    taxpayer_id: Mapped[int | None] = mapped_column(Id, ForeignKey("taxpayer.id"), index=True)
    match_weight: Mapped[float | None] = mapped_column(Float)
    probability: Mapped[float | None] = mapped_column(Float)
    explanation: Mapped[dict[str, Any]] = mapped_column(JSON)
    candidates: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    model_version: Mapped[str] = mapped_column(String(32))
    matched_at: Mapped[datetime] = mapped_column()


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
