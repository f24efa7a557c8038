"""The company registry (company) and where DPI sellers and CbC constituent entities stand against the
registries (dpi_seller_match, company_match).

Revision ID: 0016
Revises: 0013
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0014"
branch_labels: str | None = None
depends_on: str | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TIMESTAMP = sa.DateTime(timezone=True)


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    referred = target.split(".")[0]
    return sa.ForeignKeyConstraint([column], [target], name=op.f(f"fk_{table}_{column}_{referred}"))


def _index(table: str, *columns: str) -> None:
    for column in columns:
        op.create_index(op.f(f"ix_{table}_{column}"), table, [column])


def upgrade() -> None:
    op.create_table(
        "company",
        sa.Column("id", ID, nullable=False),
        sa.Column("country", sa.String(2), nullable=False),
        sa.Column("enterprise_number", sa.String(20), nullable=False),
        sa.Column("vat_number", sa.String(20), nullable=True),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("name_key", sa.String(), nullable=False),
        sa.Column("legal_form", sa.String(40), nullable=True),
        sa.Column("street", sa.String(), nullable=True),
        sa.Column("house_number", sa.String(), nullable=True),
        sa.Column("post_code", sa.String(), nullable=True),
        sa.Column("city", sa.String(), nullable=True),
        sa.Column("country_code", sa.String(2), nullable=False),
        sa.Column("activity", sa.String(10), nullable=True),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_company")),
        sa.UniqueConstraint("country", "enterprise_number", name="uq_company_country_enterprise_number"),
    )
    _index("company", "vat_number", "name_key")
    op.create_table(
        "dpi_seller_match",
        sa.Column("seller_id", ID, nullable=False),
        sa.Column("file_id", ID, nullable=False),
        sa.Column("decision", sa.String(10), nullable=False),
        sa.Column("method", sa.String(8), nullable=False),
        sa.Column("taxpayer_id", ID, nullable=True),
        sa.Column("match_weight", sa.Float(), nullable=True),
        sa.Column("probability", sa.Float(), nullable=True),
        sa.Column("explanation", sa.JSON(), nullable=False),
        sa.Column("candidates", sa.JSON(), nullable=False),
        sa.Column("model_version", sa.String(32), nullable=False),
        sa.Column("matched_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("seller_id", name=op.f("pk_dpi_seller_match")),
        _fk("dpi_seller_match", "seller_id", "dpi_seller.id"),
        _fk("dpi_seller_match", "file_id", "received_file.id"),
        _fk("dpi_seller_match", "taxpayer_id", "taxpayer.id"),
    )
    _index("dpi_seller_match", "file_id", "decision", "taxpayer_id")
    op.create_table(
        "company_match",
        sa.Column("source", sa.String(12), nullable=False),
        sa.Column("source_id", ID, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("file_id", ID, nullable=False),
        sa.Column("decision", sa.String(10), nullable=False),
        sa.Column("method", sa.String(8), nullable=False),
        sa.Column("company_id", ID, nullable=True),
        sa.Column("matched_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("source", "source_id", "position", name=op.f("pk_company_match")),
        _fk("company_match", "file_id", "received_file.id"),
        _fk("company_match", "company_id", "company.id"),
    )
    _index("company_match", "file_id", "decision", "company_id")


def downgrade() -> None:
    for table in ("company_match", "dpi_seller_match", "company"):
        op.drop_table(table)
