"""Declared rental properties and income by DPI activity type in the registry (declared_property,
declared_income), where DPI property listings stand against them (property_match), and the analysts'
view of both (dpi_listing_declarations, documented in exchange/store/README.md).

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
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
    op.execute(f"CREATE VIEW dpi_listing_declarations AS {_view(op.get_bind().dialect.name)}")


def _view(dialect: str) -> str:
    """Each live listing (dpi_property_listings, migration 0013) with its decision and the declaration
    it matched; amounts in currency units on both engines."""
    rent = "(dp.rental_income / 100.0)" if dialect == "sqlite" else "dp.rental_income"
    return (
        "SELECT l.seller_id, l.sender, l.reporting_period, l.doc_ref_id, l.position, l.country_code, "
        "l.city, l.street, l.land_registration_number, l.rented_days, l.consideration, "
        "sm.taxpayer_id AS seller_taxpayer_id, pm.decision, pm.method, pm.candidates, "
        "pm.taxpayer_id AS declarant_taxpayer_id, t.national_id AS declarant_national_id, pm.line, "
        f"{rent} AS declared_rental_income, dp.rented_days AS declared_rented_days, "
        "CASE WHEN pm.taxpayer_id IS NULL THEN NULL WHEN pm.taxpayer_id = sm.taxpayer_id THEN 1 ELSE 0 END "
        "AS declared_by_seller "
        "FROM dpi_property_listings l "
        "LEFT JOIN dpi_seller_match sm ON sm.seller_id = l.seller_id AND sm.decision = 'match' "
        "LEFT JOIN property_match pm ON pm.seller_id = l.seller_id AND pm.position = l.position "
        "LEFT JOIN declared_property dp ON dp.taxpayer_id = pm.taxpayer_id AND dp.tax_year = pm.tax_year "
        "AND dp.line = pm.line "
        "LEFT JOIN taxpayer t ON t.id = pm.taxpayer_id"
    )


def downgrade() -> None:
    op.execute("DROP VIEW dpi_listing_declarations")
    for table in ("property_match", "declared_income", "declared_property"):
        op.drop_table(table)
