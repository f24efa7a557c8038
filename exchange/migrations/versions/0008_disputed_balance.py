"""The balances record errors dispute (60002, 60003): the flags leave them out.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | None = None
depends_on: str | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
# Written out rather than imported from exchange.anomalies.record_errors, so this revision keeps
# meaning what it meant.
_CODES = "60002, 60003"
# The files stored before this revision: their findings' DocRefIds, unnested the way each engine does.
_UNNEST = {
    "postgresql": "json_array_elements_text(f.doc_ref_ids) AS e(value)",
    "sqlite": "json_each(f.doc_ref_ids) AS e",
}


def upgrade() -> None:
    op.create_table(
        "disputed_balance",
        sa.Column("account_report_id", ID, nullable=False),
        sa.Column("code", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_report_id"],
            ["account_report.id"],
            name=op.f("fk_disputed_balance_account_report_id_account_report"),
        ),
        sa.PrimaryKeyConstraint("account_report_id", "code", name=op.f("pk_disputed_balance")),
    )
    unnest = _UNNEST[op.get_bind().dialect.name]
    op.execute(
        "INSERT INTO disputed_balance (account_report_id, code) "
        f"SELECT DISTINCT a.id, f.code FROM finding f CROSS JOIN {unnest} "
        "JOIN doc_record d ON d.doc_ref_id = e.value AND d.file_id = f.file_id "
        "JOIN account_report a ON a.doc_record_id = d.id "
        f"WHERE f.code IN ({_CODES})"
    )


def downgrade() -> None:
    op.drop_table("disputed_balance")
