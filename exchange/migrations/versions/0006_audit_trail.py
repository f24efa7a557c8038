"""One audit trail for analysts and operators: `audit_entry` takes over `analyst_query`'s rows.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | None = None
depends_on: str | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "audit_entry",
        sa.Column("id", ID, nullable=False),
        sa.Column("actor", sa.String(), nullable=False),
        sa.Column("at", TIMESTAMP, nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("subject", sa.String(), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("row_count", sa.Integer(), nullable=True),
        sa.Column("output_format", sa.String(8), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_entry")),
    )
    op.create_index(op.f("ix_audit_entry_at"), "audit_entry", ["at"])
    op.create_index(op.f("ix_audit_entry_action"), "audit_entry", ["action"])
    # The analysts' queries recorded so far stay in the trail, in their order.
    op.execute(
        "INSERT INTO audit_entry (id, actor, at, action, subject, details, row_count, output_format) "
        "SELECT id, analyst, queried_at, 'flags.' || command, NULL, filters, row_count, output_format "
        "FROM analyst_query ORDER BY id"
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "SELECT setval(pg_get_serial_sequence('audit_entry', 'id'), "
            "COALESCE((SELECT MAX(id) FROM audit_entry), 0) + 1, false)"
        )
    op.drop_index(op.f("ix_analyst_query_queried_at"), table_name="analyst_query")
    op.drop_table("analyst_query")


def downgrade() -> None:
    op.create_table(
        "analyst_query",
        sa.Column("id", ID, nullable=False),
        sa.Column("analyst", sa.String(), nullable=False),
        sa.Column("queried_at", TIMESTAMP, nullable=False),
        sa.Column("command", sa.String(16), nullable=False),
        sa.Column("filters", sa.JSON(), nullable=False),
        sa.Column("row_count", sa.Integer(), nullable=False),
        sa.Column("output_format", sa.String(8), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analyst_query")),
    )
    op.create_index(op.f("ix_analyst_query_queried_at"), "analyst_query", ["queried_at"])
    op.execute(
        "INSERT INTO analyst_query (id, analyst, queried_at, command, filters, row_count, output_format) "
        "SELECT id, actor, at, substr(action, 7), details, COALESCE(row_count, 0), "
        "COALESCE(output_format, 'table') FROM audit_entry WHERE action LIKE 'flags.%' ORDER BY id"
    )
    op.drop_index(op.f("ix_audit_entry_action"), table_name="audit_entry")
    op.drop_index(op.f("ix_audit_entry_at"), table_name="audit_entry")
    op.drop_table("audit_entry")
