"""Tables of the domestic registry: taxpayers, their residence history, tax returns and benefits.

Rows are keyed by what the source systems key them by (the national identifier, the tax year), so a
second load of the same file updates rows in place instead of adding copies. Amounts are exact (the
store's `Amount` type: hundredths on SQLite, NUMERIC on PostgreSQL).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Column,
    Enum,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from exchange.models import Base
from exchange.reconcile.blocking import RULES
from exchange.records import PartyKind
from exchange.store.types import Amount, Id

# VARCHAR holding the member's value, as the store does: portable and readable in SQL.
KIND_TYPE = Enum(
    PartyKind,
    native_enum=False,
    create_constraint=False,
    length=12,
    values_callable=lambda members: [member.value for member in members],
    validate_strings=True,
)


class Taxpayer(Base):
    """A natural person or an entity known to the home tax administration."""

    __tablename__ = "taxpayer"
    __table_args__ = (UniqueConstraint("country", "national_id", name="uq_taxpayer_country_national_id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    country: Mapped[str] = mapped_column(String(2))  # the jurisdiction that issued national_id
    national_id: Mapped[str] = mapped_column(String(30))  # compact form (exchange.registry.identifiers)
    id_type: Mapped[str] = mapped_column(String(16))
    kind: Mapped[PartyKind] = mapped_column(KIND_TYPE)
    given_names: Mapped[str | None] = mapped_column(String)
    family_name: Mapped[str | None] = mapped_column(String)
    organisation_name: Mapped[str | None] = mapped_column(String)
    birth_date: Mapped[date | None] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column()


class TaxpayerAddress(Base):
    """One address in a taxpayer's residence history; the current one has no `valid_to`."""

    __tablename__ = "taxpayer_address"

    taxpayer_id: Mapped[int] = mapped_column(Id, ForeignKey("taxpayer.id"), primary_key=True)
    valid_from: Mapped[date] = mapped_column(primary_key=True)
    valid_to: Mapped[date | None] = mapped_column()
    country_code: Mapped[str] = mapped_column(String(2))
    street: Mapped[str | None] = mapped_column(String)
    house_number: Mapped[str | None] = mapped_column(String)
    post_code: Mapped[str | None] = mapped_column(String)
    city: Mapped[str] = mapped_column(String)


class TaxReturn(Base):
    """What a taxpayer declared for one year: total income and foreign income by kind."""

    __tablename__ = "tax_return"

    taxpayer_id: Mapped[int] = mapped_column(Id, ForeignKey("taxpayer.id"), primary_key=True)
    tax_year: Mapped[int] = mapped_column(Integer, primary_key=True)
    total_income: Mapped[Decimal] = mapped_column(Amount)
    foreign_interest: Mapped[Decimal] = mapped_column(Amount)
    foreign_dividends: Mapped[Decimal] = mapped_column(Amount)
    foreign_gains: Mapped[Decimal] = mapped_column(Amount)
    foreign_other: Mapped[Decimal] = mapped_column(Amount)


class DeclaredForeignAccount(Base):
    """A foreign account declared in a return (in Belgium: the account-abroad box of the return)."""

    __tablename__ = "declared_foreign_account"
    __table_args__ = (
        ForeignKeyConstraint(
            ["taxpayer_id", "tax_year"],
            ["tax_return.taxpayer_id", "tax_return.tax_year"],
            name="fk_declared_foreign_account_taxpayer_id_tax_return",
        ),
    )

    taxpayer_id: Mapped[int] = mapped_column(Id, primary_key=True)
    tax_year: Mapped[int] = mapped_column(Integer, primary_key=True)
    country_code: Mapped[str] = mapped_column(String(2), primary_key=True)
    institution: Mapped[str] = mapped_column(String, primary_key=True)


class SocialBenefit(Base):
    """A means-tested social benefit paid to a taxpayer in one year, by kind (e.g. integration income)."""

    __tablename__ = "social_benefit"

    taxpayer_id: Mapped[int] = mapped_column(Id, ForeignKey("taxpayer.id"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    amount: Mapped[Decimal] = mapped_column(Amount)


def _key_index(column: str) -> Index:
    # Partial: a person has no entity keys and the other way round, and NULLs need no entries.
    where = text(f"{column} IS NOT NULL")
    return Index(f"ix_taxpayer_link_{column}", column, postgresql_where=where, sqlite_where=where)


# The linkage index (exchange.reconcile.link_index): one row per taxpayer with what record linkage
# compares, folded once at load, and its key under each blocking rule, so that candidates are found by
# an indexed join in the database and read without touching the registry's own tables.
TAXPAYER_LINK = Table(
    "taxpayer_link",
    Base.metadata,
    Column("taxpayer_id", Id, ForeignKey("taxpayer.id"), primary_key=True),
    Column("kind", KIND_TYPE, nullable=False),
    Column("tin", String(30), nullable=False),  # the national id as the linkage compares it
    Column("given", String, nullable=False),
    Column("given_all", String, nullable=False),
    Column("family", String, nullable=False),
    Column("organisation", String, nullable=False),
    Column("birth", String(8), nullable=False),
    Column("addresses", Text, nullable=False),  # exchange.reconcile.link_index.encode_addresses
    *(Column(rule.column, String) for rule in RULES),
    *(_key_index(rule.column) for rule in RULES),
    comment="The linkage index: each taxpayer's folded profile and blocking keys, one index per rule.",
)


class NameFrequency(Base):
    """How many taxpayers carry each folded name, for the term-frequency adjustment of exact name
    agreement (exchange.reconcile.scoring); rebuilt by every registry load."""

    __tablename__ = "name_frequency"

    field: Mapped[str] = mapped_column(String(20), primary_key=True)
    value: Mapped[str] = mapped_column(String, primary_key=True)
    count: Mapped[int] = mapped_column(BigInteger)


from exchange.registry import company_models as _company_models  # noqa: E402, F401  (the company registry on the same metadata)
from exchange.registry import declared_models as _declared_models  # noqa: E402, F401  (declared properties and income, same metadata)
