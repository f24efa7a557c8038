"""The domestic company registry: one row per company (in Belgium the Crossroads Bank for Enterprises,
KBO/BCE), what entity sellers of DPI reports and constituent entities of CbC reports are matched to.

Keyed by (country, enterprise number) as the source registry keys it, so a second load updates rows in
place. `name_key` is the name as the matching compares it (exchange.reconcile.normalize.organisation_key),
folded once at load and indexed, so that matching by name is an indexed join.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from exchange.models import Base
from exchange.store.types import Id


class Company(Base):
    __tablename__ = "company"
    __table_args__ = (
        UniqueConstraint("country", "enterprise_number", name="uq_company_country_enterprise_number"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    country: Mapped[str] = mapped_column(String(2))  # the jurisdiction whose registry numbers it
    enterprise_number: Mapped[str] = mapped_column(String(20))  # compact (exchange.registry.company_numbers)
    vat_number: Mapped[str | None] = mapped_column(String(20), index=True)  # compact, with its country prefix
    name: Mapped[str] = mapped_column(String)
    name_key: Mapped[str] = mapped_column(String, index=True)
    legal_form: Mapped[str | None] = mapped_column(String(40))
    street: Mapped[str | None] = mapped_column(String)
    house_number: Mapped[str | None] = mapped_column(String)
    post_code: Mapped[str | None] = mapped_column(String)
    city: Mapped[str | None] = mapped_column(String)
    country_code: Mapped[str] = mapped_column(String(2))  # of the registered address
    activity: Mapped[str | None] = mapped_column(String(10))  # NACE code of the main activity
    updated_at: Mapped[datetime] = mapped_column()
