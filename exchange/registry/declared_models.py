"""What a return declares beside its totals, for the DPI flags: the properties it declares as let, and
its income by DPI activity type (rental of immovable property, personal services, sale of goods,
transportation rental), one row per kind.

Both belong to a return (taxpayer, tax year), as declared foreign accounts do. A property keeps its
land registration number and its address also as the matching compares them (`land_key`, `address_key`:
exchange.reconcile.property_keys), folded once at load and indexed, so that matching the platforms'
listings to the declared properties is an indexed join.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import ForeignKeyConstraint, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from exchange.models import Base
from exchange.store.types import Amount, Id


def _return_key(table: str) -> ForeignKeyConstraint:
    return ForeignKeyConstraint(
        ["taxpayer_id", "tax_year"],
        ["tax_return.taxpayer_id", "tax_return.tax_year"],
        name=f"fk_{table}_taxpayer_id_tax_return",
    )


class DeclaredProperty(Base):
    __tablename__ = "declared_property"
    __table_args__ = (_return_key("declared_property"),)

    taxpayer_id: Mapped[int] = mapped_column(Id, primary_key=True)
    tax_year: Mapped[int] = mapped_column(Integer, primary_key=True)
    line: Mapped[int] = mapped_column(Integer, primary_key=True)  # the property's number in the return
    country_code: Mapped[str] = mapped_column(String(2))
    street: Mapped[str | None] = mapped_column(String)
    house_number: Mapped[str | None] = mapped_column(String)
    post_code: Mapped[str | None] = mapped_column(String)
    city: Mapped[str] = mapped_column(String)
    land_registration_number: Mapped[str | None] = mapped_column(String)
    rental_income: Mapped[Decimal] = mapped_column(Amount)
    rented_days: Mapped[int | None] = mapped_column(Integer)
    land_key: Mapped[str | None] = mapped_column(String, index=True)
    address_key: Mapped[str | None] = mapped_column(String, index=True)


class DeclaredIncome(Base):
    __tablename__ = "declared_income"
    __table_args__ = (_return_key("declared_income"),)

    taxpayer_id: Mapped[int] = mapped_column(Id, primary_key=True)
    tax_year: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(30), primary_key=True)  # exchange.records.Activity
    amount: Mapped[Decimal] = mapped_column(Amount)
