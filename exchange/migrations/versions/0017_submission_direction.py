"""Two-way exchange: each stored file says whether a partner sent it or a domestic institution submitted
it; the submissions' split by partner, the records bound for each partner (the domestic-to-outbound
DocRefId map) and the messages cut from them.

Revision ID: 0017
Revises: 0013
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | None = None
depends_on: str | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
COUNT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    # Every file stored so far came from a partner: the default says so for the existing rows.
    # A plain ADD COLUMN (SQLite takes one with a constant default): a batch rebuild of received_file
    # would drop the table the other tables' foreign keys point at.
    op.add_column(
        "received_file",
        sa.Column("direction", sa.String(16), nullable=False, server_default=sa.text("'received'")),
    )
    op.create_table(
        "outbound_split",
        sa.Column("file_id", ID, nullable=False),
        sa.Column("body", sa.Integer(), nullable=False),
        sa.Column("institution", sa.String(), nullable=False),
        sa.Column("reporting_period", sa.Date(), nullable=False),
        sa.Column("fi_element", sa.LargeBinary(), nullable=False),
        sa.Column("records_out", COUNT, nullable=False),
        sa.Column("records_domestic", COUNT, nullable=False),
        sa.Column("split_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["file_id"], ["received_file.id"], name=op.f("fk_outbound_split_file_id_received_file")
        ),
        sa.PrimaryKeyConstraint("file_id", "body", name=op.f("pk_outbound_split")),
    )
    op.create_table(
        "outbound_message",
        sa.Column("id", ID, nullable=False),
        sa.Column("partner", sa.String(2), nullable=False),
        sa.Column("reporting_period", sa.Date(), nullable=False),
        sa.Column("message_ref_id", sa.String(), nullable=False),
        sa.Column("message_type_indic", sa.String(8), nullable=False),
        sa.Column("records", COUNT, nullable=False),
        sa.Column("document", sa.LargeBinary(), nullable=False),
        sa.Column("cut_at", TIMESTAMP, nullable=False),
        sa.Column("packet", sa.LargeBinary(), nullable=True),
        sa.Column("transmission_id", sa.String(), nullable=True),
        sa.Column("packaged_at", TIMESTAMP, nullable=True),
        sa.Column("sent_at", TIMESTAMP, nullable=True),
        sa.Column("transmissions", COUNT, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbound_message")),
        sa.UniqueConstraint("message_ref_id", name=op.f("uq_outbound_message_message_ref_id")),
    )
    op.create_index(op.f("ix_outbound_message_partner"), "outbound_message", ["partner"])
    op.create_table(
        "outbound_doc",
        sa.Column("id", ID, nullable=False),
        sa.Column("file_id", ID, nullable=False),
        sa.Column("institution", sa.String(), nullable=False),
        sa.Column("domestic_doc_ref_id", sa.String(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("partner", sa.String(2), nullable=False),
        sa.Column("reporting_period", sa.Date(), nullable=False),
        sa.Column("doc_ref_id", sa.String(), nullable=False),
        sa.Column("doc_type_indic", sa.String(8), nullable=False),
        sa.Column("corr_doc_ref_id", sa.String(), nullable=True),
        sa.Column("body", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("element", sa.LargeBinary(), nullable=False),
        sa.Column("message_id", ID, nullable=True),
        sa.ForeignKeyConstraint(
            ["file_id"], ["received_file.id"], name=op.f("fk_outbound_doc_file_id_received_file")
        ),
        sa.ForeignKeyConstraint(
            ["message_id"], ["outbound_message.id"], name=op.f("fk_outbound_doc_message_id_outbound_message")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbound_doc")),
        sa.UniqueConstraint("doc_ref_id", name=op.f("uq_outbound_doc_doc_ref_id")),
        sa.UniqueConstraint("file_id", "domestic_doc_ref_id", "partner", name="uq_outbound_doc_file_id"),
    )
    op.create_index("ix_outbound_doc_pending", "outbound_doc", ["partner", "message_id"])
    op.create_index("ix_outbound_doc_domestic", "outbound_doc", ["institution", "domestic_doc_ref_id"])
    op.create_table(
        "outbound_answer",
        sa.Column("id", ID, nullable=False),
        sa.Column("packet_sha256", sa.String(64), nullable=False),
        sa.Column("message_id", ID, nullable=False),
        sa.Column("partner", sa.String(2), nullable=False),
        sa.Column("status_message_ref_id", sa.String(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("file_errors", sa.String(), nullable=False),
        sa.Column("record_errors", COUNT, nullable=False),
        sa.Column("received_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["outbound_message.id"],
            name=op.f("fk_outbound_answer_message_id_outbound_message"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbound_answer")),
        sa.UniqueConstraint("packet_sha256", name=op.f("uq_outbound_answer_packet_sha256")),
    )
    op.create_index(op.f("ix_outbound_answer_message_id"), "outbound_answer", ["message_id"])
    op.create_table(
        "outbound_record_error",
        sa.Column("id", ID, nullable=False),
        sa.Column("answer_id", ID, nullable=False),
        sa.Column("outbound_doc_id", ID, nullable=False),
        sa.Column("code", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["answer_id"],
            ["outbound_answer.id"],
            name=op.f("fk_outbound_record_error_answer_id_outbound_answer"),
        ),
        sa.ForeignKeyConstraint(
            ["outbound_doc_id"],
            ["outbound_doc.id"],
            name=op.f("fk_outbound_record_error_outbound_doc_id_outbound_doc"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbound_record_error")),
    )
    op.create_index(op.f("ix_outbound_record_error_answer_id"), "outbound_record_error", ["answer_id"])
    op.create_index(
        op.f("ix_outbound_record_error_outbound_doc_id"), "outbound_record_error", ["outbound_doc_id"]
    )


def downgrade() -> None:
    op.drop_table("outbound_record_error")
    op.drop_table("outbound_answer")
    op.drop_table("outbound_doc")
    op.drop_table("outbound_message")
    op.drop_table("outbound_split")
    op.execute("ALTER TABLE received_file DROP COLUMN direction")  # SQLite 3.35+ and PostgreSQL
