"""Tables of what CbC (DAC4) reports say: the reporting entity, the group's summary per tax jurisdiction,
the constituent entities with their activities, and additional information. The SQL views over them are
documented in exchange/store/README.md.

A CbC ReportingEntity is a `reporting_fi` row (its identity in `party`); this table adds what only CbC
says of it. Constituent entities are rows of their own, one per entity of a jurisdiction's report, so that
part 2 can match them to the company registry.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from exchange.models import Base
from exchange.store.columns import RecordHead
from exchange.store.columns import codes as _codes
from exchange.store.types import Amount, Count, Id


class CbcReportingEntityRow(Base):
    __tablename__ = "cbc_reporting_entity"

    reporting_fi_id: Mapped[int] = mapped_column(Id, ForeignKey("reporting_fi.id"), primary_key=True)
    file_id: Mapped[int] = mapped_column(Id, ForeignKey("received_file.id"), index=True)
    mne_group_name: Mapped[str | None] = mapped_column(String)
    reporting_role: Mapped[str | None] = mapped_column(String)  # CBC701-704
    period_start: Mapped[date | None] = mapped_column()
    period_end: Mapped[date | None] = mapped_column()


class CbcReportRow(RecordHead, Base):
    """The group's figures in one tax jurisdiction (`currency`: that of the revenues' total)."""

    __tablename__ = "cbc_report"

    res_country_code: Mapped[str] = mapped_column(String, index=True)
    currency: Mapped[str] = mapped_column(String)
    revenues_unrelated: Mapped[Decimal] = mapped_column(Amount)
    revenues_related: Mapped[Decimal] = mapped_column(Amount)
    revenues_total: Mapped[Decimal] = mapped_column(Amount)
    profit_or_loss: Mapped[Decimal] = mapped_column(Amount)
    tax_paid: Mapped[Decimal] = mapped_column(Amount)
    tax_accrued: Mapped[Decimal] = mapped_column(Amount)
    capital: Mapped[Decimal] = mapped_column(Amount)
    earnings: Mapped[Decimal] = mapped_column(Amount)
    assets: Mapped[Decimal] = mapped_column(Amount)
    employees: Mapped[int] = mapped_column(Count)


class CbcConstituentEntityRow(Base):
    __tablename__ = "cbc_constituent_entity"

    report_id: Mapped[int] = mapped_column(Id, ForeignKey("cbc_report.id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str | None] = mapped_column(String)
    tin: Mapped[str | None] = mapped_column(String, index=True)
    tin_issued_by: Mapped[str | None] = mapped_column(String)
    identifiers: Mapped[list[str]] = _codes()  # INs, as INType:value
    res_country_codes: Mapped[list[str]] = _codes()
    incorp_country_code: Mapped[str | None] = mapped_column(String)
    role: Mapped[str | None] = mapped_column(String)  # CBC801-803
    biz_activities: Mapped[list[str]] = _codes()  # CBC501-513
    country_code: Mapped[str | None] = mapped_column(String)  # first address
    city: Mapped[str | None] = mapped_column(String)
    address_free: Mapped[str | None] = mapped_column(Text)
    other_entity_info: Mapped[str | None] = mapped_column(Text)


class CbcAdditionalInfoRow(RecordHead, Base):
    __tablename__ = "cbc_additional_info"

    other_info: Mapped[list[str]] = _codes()
    res_country_codes: Mapped[list[str]] = _codes()
    summary_refs: Mapped[list[str]] = _codes()  # CBC601-611
