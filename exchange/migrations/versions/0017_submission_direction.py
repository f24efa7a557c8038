"""Two-way exchange: each stored file says whether a partner sent it or a domestic institution submitted it.

Revision ID: 0017
Revises: 0013
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0013"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    # Every file stored so far came from a partner: the default says so for the existing rows.
    with op.batch_alter_table("received_file") as batch:
        batch.add_column(
            sa.Column("direction", sa.String(16), nullable=False, server_default=sa.text("'received'"))
        )


def downgrade() -> None:
    with op.batch_alter_table("received_file") as batch:
        batch.drop_column("direction")
