"""Each file's steps with their times (`file_event`), and 64-bit columns for the counts files state.

A PoolReport's AccountCount is an unbounded xs:integer and a file's records and lines can pass 2^31, so
those columns become BIGINT on PostgreSQL; on SQLite an INTEGER already holds 64 bits and nothing is
rebuilt. The timeline of the files received before this revision is rebuilt from what their rows kept:
received, settled (stored or rejected), and the state they are in now.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | None = None
depends_on: str | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TIMESTAMP = sa.DateTime(timezone=True)

_WIDENED = (
    ("received_file", "records_stored", False),
    ("received_file", "records_refused", False),
    ("finding", "line", True),
    ("account_report", "joint_account", True),
    ("pool_report", "account_count", False),
)

# Backfill, in the order the steps happened; settled_at is when a file became stored or rejected.
_BACKFILL = (
    "INSERT INTO file_event (file_id, state, at) SELECT id, 'received', received_at FROM received_file",
    "INSERT INTO file_event (file_id, state, at) SELECT id, CASE WHEN state = 'rejected' THEN 'rejected' "
    "ELSE 'stored' END, settled_at FROM received_file WHERE settled_at IS NOT NULL",
    "INSERT INTO file_event (file_id, state, at) SELECT id, state, updated_at FROM received_file "
    "WHERE state NOT IN ('received', 'stored', 'rejected')",
)


def upgrade() -> None:
    op.create_table(
        "file_event",
        sa.Column("id", ID, nullable=False),
        sa.Column("file_id", ID, nullable=False),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["file_id"], ["received_file.id"], name=op.f("fk_file_event_file_id_received_file")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_file_event")),
    )
    op.create_index(op.f("ix_file_event_file_id"), "file_event", ["file_id"])
    for statement in _BACKFILL:
        op.execute(statement)
    if op.get_bind().dialect.name == "postgresql":
        for table, column, nullable in _WIDENED:
            op.alter_column(
                table, column, type_=sa.BigInteger(), existing_type=sa.Integer(), existing_nullable=nullable
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        # Fails on a value beyond 32 bits, which only this revision allowed: better than cutting it.
        for table, column, nullable in _WIDENED:
            op.alter_column(
                table, column, type_=sa.Integer(), existing_type=sa.BigInteger(), existing_nullable=nullable
            )
    op.drop_index(op.f("ix_file_event_file_id"), table_name="file_event")
    op.drop_table("file_event")
