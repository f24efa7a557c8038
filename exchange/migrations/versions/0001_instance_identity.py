"""Initial schema: the instance's identity.

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "instance_identity",
        sa.Column("home_jurisdiction", sa.String(2), nullable=False),
        sa.Column("environment", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_version", sa.String(32), nullable=False),
        sa.PrimaryKeyConstraint("home_jurisdiction", name=op.f("pk_instance_identity")),
    )


def downgrade() -> None:
    op.drop_table("instance_identity")
