"""Declared rental properties and income by DPI activity type in the registry (declared_property,
declared_income), and where DPI property listings stand against them (property_match).

Revision ID: 0020
Revises: 0017
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0017"
branch_labels: str | None = None
depends_on: str | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
AMOUNT = sa.Numeric(18, 2).with_variant(sa.BigInteger(), "sqlite")
TIMESTAMP = sa.DateTime(timezone=True)


def _return_key(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["taxpayer_id", "tax_year"],
        ["tax_return.taxpayer_id", "tax_return.tax_year"],
        name=f"fk_{table}_taxpayer_id_tax_return",
    )


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    referred = target.split(".")[0]
    return sa.ForeignKeyConstraint([column], [target], name=op.f(f"fk_{table}_{column}_{referred}"))


def _index(table: str, *columns: str) -> None:
    for column in columns:
        op.create_index(op.f(f"ix_{table}_{column}"), table, [column])


def upgrade() -> None:
    op.create_table(
        "declared_property",
        sa.Column("taxpayer_id", ID, nullable=False),
        sa.Column("tax_year", sa.Integer(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("country_code", sa.String(2), nullable=False),
        sa.Column("street", sa.String(), nullable=True),
        sa.Column("house_number", sa.String(), nullable=True),
        sa.Column("post_code", sa.String(), nullable=True),
        sa.Column("city", sa.String(), nullable=False),
        sa.Column("land_registration_number", sa.String(), nullable=True),
        sa.Column("rental_income", AMOUNT, nullable=False),
        sa.Column("rented_days", sa.Integer(), nullable=True),
        sa.Column("land_key", sa.String(), nullable=True),
        sa.Column("address_key", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("taxpayer_id", "tax_year", "line", name=op.f("pk_declared_property")),
        _return_key("declared_property"),
    )
    _index("declared_property", "land_key", "address_key")
    op.create_table(
        "declared_income",
        sa.Column("taxpayer_id", ID, nullable=False),
        sa.Column("tax_year", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("amount", AMOUNT, nullable=False),
        sa.PrimaryKeyConstraint("taxpayer_id", "tax_year", "kind", name=op.f("pk_declared_income")),
        _return_key("declared_income"),
    )
    op.create_table(
        "property_match",
        sa.Column("seller_id", ID, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("file_id", ID, nullable=False),
        sa.Column("decision", sa.String(10), nullable=False),
        sa.Column("method", sa.String(20), nullable=False),
        sa.Column("taxpayer_id", ID, nullable=True),
        sa.Column("tax_year", sa.Integer(), nullable=True),
        sa.Column("line", sa.Integer(), nullable=True),
        sa.Column("candidates", sa.Integer(), nullable=False),
        sa.Column("matched_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("seller_id", "position", name=op.f("pk_property_match")),
        _fk("property_match", "seller_id", "dpi_seller.id"),
        _fk("property_match", "file_id", "received_file.id"),
        _fk("property_match", "taxpayer_id", "taxpayer.id"),
    )
    _index("property_match", "file_id", "decision", "taxpayer_id")


def downgrade() -> None:
    for table in ("property_match", "declared_income", "declared_property"):
        op.drop_table(table)
