"""Operators' decisions on dead letters: each record redriven or discarded once (`dlq_decision`).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | None = None
depends_on: str | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "dlq_decision",
        sa.Column("id", ID, nullable=False),
        sa.Column("topic", sa.String(), nullable=False),
        sa.Column("record_partition", sa.Integer(), nullable=False),
        sa.Column("record_offset", sa.BigInteger(), nullable=False),
        sa.Column("record_time", sa.BigInteger(), nullable=False),
        sa.Column("decision", sa.String(16), nullable=False),
        sa.Column("actor", sa.String(), nullable=False),
        sa.Column("at", TIMESTAMP, nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dlq_decision")),
        sa.UniqueConstraint(
            "topic", "record_partition", "record_offset", "record_time", name="uq_dlq_decision"
        ),
    )


def downgrade() -> None:
    op.drop_table("dlq_decision")
