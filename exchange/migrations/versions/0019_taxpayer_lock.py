"""A lock row per taxpayer, so that evaluations of different senders' files serialise on the
taxpayers they share only, not on 1,024 buckets that every large file covers.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | None = None
depends_on: str | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "taxpayer_lock",
        sa.Column("taxpayer_id", ID, autoincrement=False, nullable=False),
        sa.PrimaryKeyConstraint("taxpayer_id", name=op.f("pk_taxpayer_lock")),
    )


def downgrade() -> None:
    op.drop_table("taxpayer_lock")
