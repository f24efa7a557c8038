"""The domestic registry (taxpayers, addresses, returns, benefits, blocking keys) and the matches.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None

# Written out rather than imported from the models, so this revision keeps meaning what it meant.
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")  # SQLite assigns keys only to INTEGER PRIMARY KEY
AMOUNT = sa.Numeric(18, 2).with_variant(sa.BigInteger(), "sqlite")  # hundredths on SQLite: exact
TIMESTAMP = sa.DateTime(timezone=True)


def _fk(
    table: str, columns: list[str], referred: str, referred_columns: list[str]
) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        columns,
        [f"{referred}.{column}" for column in referred_columns],
        name=op.f(f"fk_{table}_{columns[0]}_{referred}"),
    )


def _taxpayer_fk(table: str) -> sa.ForeignKeyConstraint:
    return _fk(table, ["taxpayer_id"], "taxpayer", ["id"])


def _amount(name: str) -> sa.Column[object]:
    return sa.Column(name, AMOUNT, nullable=False)


def upgrade() -> None:
    op.create_table(
        "taxpayer",
        sa.Column("id", ID, nullable=False),
        sa.Column("country", sa.String(2), nullable=False),
        sa.Column("national_id", sa.String(30), nullable=False),
        sa.Column("id_type", sa.String(16), nullable=False),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("given_names", sa.String(), nullable=True),
        sa.Column("family_name", sa.String(), nullable=True),
        sa.Column("organisation_name", sa.String(), nullable=True),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_taxpayer")),
        sa.UniqueConstraint("country", "national_id", name=op.f("uq_taxpayer_country_national_id")),
    )
    op.create_table(
        "taxpayer_address",
        sa.Column("taxpayer_id", ID, nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("country_code", sa.String(2), nullable=False),
        sa.Column("street", sa.String(), nullable=True),
        sa.Column("house_number", sa.String(), nullable=True),
        sa.Column("post_code", sa.String(), nullable=True),
        sa.Column("city", sa.String(), nullable=False),
        _taxpayer_fk("taxpayer_address"),
        sa.PrimaryKeyConstraint("taxpayer_id", "valid_from", name=op.f("pk_taxpayer_address")),
    )
    op.create_table(
        "tax_return",
        sa.Column("taxpayer_id", ID, nullable=False),
        sa.Column("tax_year", sa.Integer(), nullable=False),
        _amount("total_income"),
        _amount("foreign_interest"),
        _amount("foreign_dividends"),
        _amount("foreign_gains"),
        _amount("foreign_other"),
        _taxpayer_fk("tax_return"),
        sa.PrimaryKeyConstraint("taxpayer_id", "tax_year", name=op.f("pk_tax_return")),
    )
    op.create_table(
        "declared_foreign_account",
        sa.Column("taxpayer_id", ID, nullable=False),
        sa.Column("tax_year", sa.Integer(), nullable=False),
        sa.Column("country_code", sa.String(2), nullable=False),
        sa.Column("institution", sa.String(), nullable=False),
        _fk(
            "declared_foreign_account", ["taxpayer_id", "tax_year"], "tax_return", ["taxpayer_id", "tax_year"]
        ),
        sa.PrimaryKeyConstraint(
            "taxpayer_id", "tax_year", "country_code", "institution", name=op.f("pk_declared_foreign_account")
        ),
    )
    op.create_table(
        "social_benefit",
        sa.Column("taxpayer_id", ID, nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        _amount("amount"),
        _taxpayer_fk("social_benefit"),
        sa.PrimaryKeyConstraint("taxpayer_id", "year", "kind", name=op.f("pk_social_benefit")),
    )
    op.create_table(
        "taxpayer_block_key",
        sa.Column("rule", sa.String(8), nullable=False),
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("taxpayer_id", ID, nullable=False),
        _taxpayer_fk("taxpayer_block_key"),
        sa.PrimaryKeyConstraint("rule", "key", "taxpayer_id", name=op.f("pk_taxpayer_block_key")),
    )
    op.create_index("ix_taxpayer_block_key_taxpayer_id", "taxpayer_block_key", ["taxpayer_id"], unique=False)

    op.create_table(
        "party_match",
        sa.Column("party_id", ID, nullable=False),
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
        _fk("party_match", ["party_id"], "party", ["id"]),
        _fk("party_match", ["file_id"], "received_file", ["id"]),
        _fk("party_match", ["taxpayer_id"], "taxpayer", ["id"]),
        sa.PrimaryKeyConstraint("party_id", name=op.f("pk_party_match")),
    )
    for column in ("file_id", "decision", "taxpayer_id"):
        op.create_index(op.f(f"ix_party_match_{column}"), "party_match", [column], unique=False)


def downgrade() -> None:
    for table in (
        "party_match",
        "taxpayer_block_key",
        "social_benefit",
        "declared_foreign_account",
        "tax_return",
        "taxpayer_address",
        "taxpayer",
    ):
        op.drop_table(table)
