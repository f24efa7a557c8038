"""The store: received files, findings, status messages, and the reported records with their chains.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None

# Written out rather than imported from the models, so this revision keeps meaning what it meant.
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")  # SQLite assigns keys only to INTEGER PRIMARY KEY
AMOUNT = sa.Numeric(18, 2).with_variant(sa.BigInteger(), "sqlite")  # hundredths on SQLite: exact
TIMESTAMP = sa.DateTime(timezone=True)


def _id(name: str = "id", nullable: bool = False) -> sa.Column[int]:
    return sa.Column(name, ID, nullable=nullable)


def _text(name: str, nullable: bool = True) -> sa.Column[str]:
    return sa.Column(name, sa.String(), nullable=nullable)


def _codes(name: str) -> sa.Column[object]:
    return sa.Column(name, sa.JSON(), nullable=False)


def _fk(column: str, target: str, table: str) -> sa.ForeignKeyConstraint:
    referred = target.split(".")[0]
    return sa.ForeignKeyConstraint([column], [target], name=op.f(f"fk_{table}_{column}_{referred}"))


def _index(table: str, column: str, unique: bool = False) -> None:
    op.create_index(op.f(f"ix_{table}_{column}"), table, [column], unique=unique)


def upgrade() -> None:
    op.create_table(
        "received_file",
        _id(),
        sa.Column("packet_sha256", sa.String(64), nullable=False),
        _text("profile", nullable=False),
        _text("sender", nullable=False),
        _text("receiver", nullable=False),
        _text("communication_type", nullable=False),
        _text("sender_file_id"),
        _text("message_ref_id"),
        sa.Column("packet_size", sa.BigInteger(), nullable=False),
        sa.Column("payload_size", sa.BigInteger(), nullable=True),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("rejection_code", sa.Integer(), nullable=True),
        sa.Column("records_stored", sa.Integer(), nullable=False),
        sa.Column("records_refused", sa.Integer(), nullable=False),
        sa.Column("received_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.Column("settled_at", TIMESTAMP, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_received_file")),
        sa.UniqueConstraint("packet_sha256", name=op.f("uq_received_file_packet_sha256")),
    )
    op.create_index("ix_received_file_sender_state", "received_file", ["sender", "state"], unique=False)

    op.create_table(
        "message_header",
        _id("file_id"),
        _text("format_name", nullable=False),
        _text("format_version", nullable=False),
        _text("message_type", nullable=False),
        _text("transmitting_country", nullable=False),
        _text("receiving_country", nullable=False),
        _text("message_ref_id", nullable=False),
        _text("message_type_indic"),
        _codes("corr_message_ref_ids"),
        sa.Column("reporting_period", sa.Date(), nullable=False),
        _text("timestamp", nullable=False),
        _text("sending_company_in"),
        sa.Column("warning", sa.Text(), nullable=True),
        sa.Column("contact", sa.Text(), nullable=True),
        _fk("file_id", "received_file.id", "message_header"),
        sa.PrimaryKeyConstraint("file_id", name=op.f("pk_message_header")),
    )

    op.create_table(
        "used_message_ref_id",
        _text("sender", nullable=False),
        _text("message_ref_id", nullable=False),
        _id("file_id"),
        _fk("file_id", "received_file.id", "used_message_ref_id"),
        sa.PrimaryKeyConstraint("sender", "message_ref_id", name=op.f("pk_used_message_ref_id")),
        sa.UniqueConstraint("file_id", name=op.f("uq_used_message_ref_id_file_id")),
    )

    op.create_table(
        "finding",
        _id(),
        _id("file_id"),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("code", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(6), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        _codes("doc_ref_ids"),
        _codes("field_paths"),
        sa.Column("line", sa.Integer(), nullable=True),
        _text("path"),
        _fk("file_id", "received_file.id", "finding"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_finding")),
    )
    _index("finding", "code")
    _index("finding", "file_id")

    op.create_table(
        "status_message",
        _id(),
        _id("file_id"),
        _text("message_ref_id", nullable=False),
        sa.Column("accepted", sa.Boolean(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("sent_at", TIMESTAMP, nullable=True),
        _fk("file_id", "received_file.id", "status_message"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_status_message")),
        sa.UniqueConstraint("file_id", name=op.f("uq_status_message_file_id")),
        sa.UniqueConstraint("message_ref_id", name=op.f("uq_status_message_message_ref_id")),
    )

    op.create_table(
        "doc_record",
        _id(),
        _id("file_id"),
        _text("sender", nullable=False),
        _text("doc_ref_id", nullable=False),
        sa.Column("kind", sa.String(14), nullable=False),
        _text("doc_type_indic", nullable=False),
        _text("corr_doc_ref_id"),
        _text("corr_message_ref_id"),
        _id("corrects_id", nullable=True),
        _id("chain_id"),
        sa.Column("state", sa.String(10), nullable=False),
        _fk("corrects_id", "doc_record.id", "doc_record"),
        _fk("file_id", "received_file.id", "doc_record"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_doc_record")),
        sa.UniqueConstraint("doc_ref_id", "sender", name="uq_doc_record_doc_ref_id_sender"),
    )
    _index("doc_record", "chain_id")
    _index("doc_record", "file_id")

    op.create_table(
        "reporting_fi",
        _id(),
        _id("file_id"),
        _id("doc_record_id"),
        sa.Column("role", sa.String(12), nullable=False),
        _text("doc_type_indic", nullable=False),
        _text("filer_category"),
        _fk("doc_record_id", "doc_record.id", "reporting_fi"),
        _fk("file_id", "received_file.id", "reporting_fi"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reporting_fi")),
    )
    _index("reporting_fi", "doc_record_id")
    _index("reporting_fi", "file_id")

    op.create_table(
        "account_report",
        _id(),
        _id("file_id"),
        _id("doc_record_id"),
        _id("reporting_fi_id", nullable=True),
        _id("sponsor_id", nullable=True),
        _id("intermediary_id", nullable=True),
        _text("account_number", nullable=False),
        _text("account_number_type"),
        sa.Column("undocumented", sa.Boolean(), nullable=True),
        sa.Column("closed", sa.Boolean(), nullable=True),
        sa.Column("dormant", sa.Boolean(), nullable=True),
        sa.Column("balance", AMOUNT, nullable=False),
        _text("currency", nullable=False),
        _text("dd_procedure"),
        _text("account_type"),
        sa.Column("joint_account", sa.Integer(), nullable=True),
        _fk("doc_record_id", "doc_record.id", "account_report"),
        _fk("file_id", "received_file.id", "account_report"),
        _fk("intermediary_id", "reporting_fi.id", "account_report"),
        _fk("reporting_fi_id", "reporting_fi.id", "account_report"),
        _fk("sponsor_id", "reporting_fi.id", "account_report"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_report")),
        sa.UniqueConstraint("doc_record_id", name=op.f("uq_account_report_doc_record_id")),
    )
    _index("account_report", "file_id")

    op.create_table(
        "pool_report",
        _id(),
        _id("file_id"),
        _id("doc_record_id"),
        _id("reporting_fi_id", nullable=True),
        sa.Column("account_count", sa.Integer(), nullable=False),
        _text("pool_report_type", nullable=False),
        sa.Column("balance", AMOUNT, nullable=False),
        _text("currency", nullable=False),
        _fk("doc_record_id", "doc_record.id", "pool_report"),
        _fk("file_id", "received_file.id", "pool_report"),
        _fk("reporting_fi_id", "reporting_fi.id", "pool_report"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pool_report")),
        sa.UniqueConstraint("doc_record_id", name=op.f("uq_pool_report_doc_record_id")),
    )
    _index("pool_report", "file_id")

    op.create_table(
        "party",
        _id(),
        _id("account_report_id", nullable=True),
        _id("reporting_fi_id", nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        _text("role", nullable=False),
        sa.Column("kind", sa.String(12), nullable=False),
        _text("acct_holder_type"),
        _codes("ctrlg_person_types"),
        _text("self_cert"),
        _codes("equity_interest_types"),
        _codes("nationalities"),
        sa.Column("birth_date", sa.Date(), nullable=True),
        _text("birth_city"),
        _text("birth_city_subentity"),
        _text("birth_country_code"),
        _text("birth_former_country_name"),
        sa.CheckConstraint(
            "(account_report_id IS NULL) <> (reporting_fi_id IS NULL)", name=op.f("ck_party_one_owner")
        ),
        _fk("account_report_id", "account_report.id", "party"),
        _fk("reporting_fi_id", "reporting_fi.id", "party"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_party")),
    )
    _index("party", "account_report_id")
    _index("party", "reporting_fi_id")

    op.create_table(
        "party_name",
        _id("party_id"),
        sa.Column("position", sa.Integer(), nullable=False),
        _text("name_type"),
        _text("full_name"),
        _text("first_name"),
        _codes("middle_names"),
        _text("last_name"),
        _text("name_prefix"),
        _text("preceding_title"),
        _codes("titles"),
        _codes("generation_identifiers"),
        _codes("suffixes"),
        _text("general_suffix"),
        _fk("party_id", "party.id", "party_name"),
        sa.PrimaryKeyConstraint("party_id", "position", name=op.f("pk_party_name")),
    )

    op.create_table(
        "party_tin",
        _id("party_id"),
        sa.Column("position", sa.Integer(), nullable=False),
        _text("value", nullable=False),
        _text("issued_by"),
        _text("in_type"),
        _fk("party_id", "party.id", "party_tin"),
        sa.PrimaryKeyConstraint("party_id", "position", name=op.f("pk_party_tin")),
    )
    _index("party_tin", "value")

    op.create_table(
        "party_address",
        _id("party_id"),
        sa.Column("position", sa.Integer(), nullable=False),
        _text("country_code", nullable=False),
        _text("legal_address_type"),
        sa.Column("address_free", sa.Text(), nullable=True),
        *(
            _text(name)
            for name in (
                "street",
                "building_identifier",
                "suite_identifier",
                "floor_identifier",
                "district_name",
                "pob",
                "post_code",
                "city",
                "country_subentity",
            )
        ),
        _fk("party_id", "party.id", "party_address"),
        sa.PrimaryKeyConstraint("party_id", "position", name=op.f("pk_party_address")),
    )

    op.create_table(
        "party_residence",
        _id("party_id"),
        sa.Column("position", sa.Integer(), nullable=False),
        _text("country_code", nullable=False),
        _fk("party_id", "party.id", "party_residence"),
        sa.PrimaryKeyConstraint("party_id", "position", name=op.f("pk_party_residence")),
    )

    op.create_table(
        "payment",
        _id("account_report_id"),
        sa.Column("position", sa.Integer(), nullable=False),
        _text("type", nullable=False),
        sa.Column("amount", AMOUNT, nullable=False),
        _text("currency", nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        _fk("account_report_id", "account_report.id", "payment"),
        sa.PrimaryKeyConstraint("account_report_id", "position", name=op.f("pk_payment")),
    )


def downgrade() -> None:
    for table in (
        "payment",
        "party_residence",
        "party_address",
        "party_tin",
        "party_name",
        "party",
        "pool_report",
        "account_report",
        "reporting_fi",
        "doc_record",
        "status_message",
        "finding",
        "used_message_ref_id",
        "message_header",
        "received_file",
    ):
        op.drop_table(table)
