"""Two-way exchange: an institution is told of a partner's record errors about its submission, with a
status message of its own that is stored before it is published.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | None = None
depends_on: str | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "institution_notice",
        sa.Column("id", ID, nullable=False),
        sa.Column("answer_id", ID, nullable=False),
        sa.Column("file_id", ID, nullable=False),
        sa.Column("institution", sa.String(), nullable=False),
        sa.Column("partner", sa.String(2), nullable=False),
        sa.Column("message_ref_id", sa.String(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("made_at", TIMESTAMP, nullable=False),
        sa.Column("sent_at", TIMESTAMP, nullable=True),
        sa.ForeignKeyConstraint(
            ["answer_id"],
            ["outbound_answer.id"],
            name=op.f("fk_institution_notice_answer_id_outbound_answer"),
        ),
        sa.ForeignKeyConstraint(
            ["file_id"], ["received_file.id"], name=op.f("fk_institution_notice_file_id_received_file")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_institution_notice")),
        sa.UniqueConstraint("message_ref_id", name=op.f("uq_institution_notice_message_ref_id")),
        sa.UniqueConstraint("answer_id", "file_id", name="uq_institution_notice_answer_id"),
    )
    op.create_index(op.f("ix_institution_notice_file_id"), "institution_notice", ["file_id"])


def downgrade() -> None:
    op.drop_table("institution_notice")
