"""DPI (DAC7) and CbC (DAC4) reports in the store, and the analysts' views over them (documented in
exchange/store/README.md).

DPI: platform operators, other operators, sellers, their identifiers, addresses, quarterly activity
figures and property listings. CbC: reporting entities, per-jurisdiction summaries, constituent entities,
additional information.

Revision ID: 0013
Revises: 0009
Create Date: 2026-12-03
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0011"
branch_labels: str | None = None
depends_on: str | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
COUNT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
AMOUNT = sa.Numeric(18, 2).with_variant(sa.BigInteger(), "sqlite")  # hundredths on SQLite: exact

_CBC_AMOUNTS = (
    "revenues_unrelated", "revenues_related", "revenues_total", "profit_or_loss", "tax_paid", "tax_accrued",
    "capital", "earnings", "assets",
)  # fmt: skip


def _text(name: str, nullable: bool = True) -> sa.Column[str]:
    return sa.Column(name, sa.String(), nullable=nullable)


def _codes(name: str) -> sa.Column[object]:
    return sa.Column(name, sa.JSON(), nullable=False)


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    referred = target.split(".")[0]
    return sa.ForeignKeyConstraint([column], [target], name=op.f(f"fk_{table}_{column}_{referred}"))


def _address(legal: bool) -> list[sa.Column[str]]:
    """An address's columns as exchange.store.columns has them: a party's (`legal`) or a listing's."""
    return [
        _text("country_code", nullable=False),
        *([_text("legal_address_type")] if legal else []),
        sa.Column("address_free", sa.Text(), nullable=True),
        _text("street"),
        _text("building_identifier"),
        _text("post_code"),
        _text("city"),
        *([_text("country_subentity")] if legal else []),
    ]


def _record_table(name: str, *columns: sa.Column[Any], indexed: tuple[str, ...] = ()) -> None:
    """A table of one record kind, its head as exchange.store.columns.RecordHead declares it."""
    op.create_table(
        name,
        sa.Column("id", ID, nullable=False),
        sa.Column("file_id", ID, nullable=False),
        sa.Column("doc_record_id", ID, nullable=False),
        sa.Column("reporting_fi_id", ID, nullable=True),
        *columns,
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{name}")),
        sa.UniqueConstraint("doc_record_id", name=op.f(f"uq_{name}_doc_record_id")),
        _fk(name, "file_id", "received_file.id"),
        _fk(name, "doc_record_id", "doc_record.id"),
        _fk(name, "reporting_fi_id", "reporting_fi.id"),
    )
    for column in ("file_id", "reporting_fi_id", *indexed):
        op.create_index(op.f(f"ix_{name}_{column}"), name, [column])


def _entity_table(name: str, *columns: sa.Column[Any]) -> None:
    """What a format adds to a reporting entity (`reporting_fi`), one row per entity."""
    op.create_table(
        name,
        sa.Column("reporting_fi_id", ID, nullable=False),
        sa.Column("file_id", ID, nullable=False),
        *columns,
        sa.PrimaryKeyConstraint("reporting_fi_id", name=op.f(f"pk_{name}")),
        _fk(name, "reporting_fi_id", "reporting_fi.id"),
        _fk(name, "file_id", "received_file.id"),
    )
    op.create_index(op.f(f"ix_{name}_file_id"), name, ["file_id"])


def _child_table(name: str, parent: str, *columns: sa.Column[Any], key: tuple[str, ...] = ()) -> None:
    """Rows of a record in order: keyed by the parent (`parent`: "column table.id") and a position."""
    column, target = parent.split()
    op.create_table(
        name,
        sa.Column(column, ID, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        *(sa.Column(part, sa.Integer(), nullable=False) for part in key),
        *columns,
        sa.PrimaryKeyConstraint(column, "position", *key, name=op.f(f"pk_{name}")),
        _fk(name, column, target),
    )


def upgrade() -> None:
    _entity_table(
        "dpi_platform_operator",
        _text("vat"),
        _text("nexus"),
        sa.Column("assumed_reporting", sa.Boolean(), nullable=True),
        _codes("business_names"),
    )
    _record_table(
        "dpi_other_operator",
        _text("role", nullable=False),
        _text("name"),
        _codes("tins"),
        _codes("res_country_codes"),
        _text("country_code"),
        sa.Column("address_free", sa.Text(), nullable=True),
        _text("city"),
    )
    _record_table(
        "dpi_seller",
        _text("kind", nullable=False),
        _text("full_name"),
        _text("first_name"),
        _codes("middle_names"),
        _text("last_name"),
        sa.Column("birth_date", sa.Date(), nullable=True),
        _text("birth_city"),
        _text("birth_country_code"),
        _codes("nationalities"),
        _codes("res_country_codes"),
        _text("vat"),
        _text("nexus"),
        _codes("business_names"),
        _codes("permanent_establishments"),
        _codes("financial_identifiers"),
        _text("gvs_jurisdiction"),
        _text("gvs_reference"),
        _text("gvs_other_tin"),
    )
    seller = "seller_id dpi_seller.id"
    _child_table(
        "dpi_seller_identifier",
        seller,
        _text("value", nullable=False),
        _text("issued_by"),
        _text("in_type"),
        sa.Column("unknown", sa.Boolean(), nullable=True),
    )
    op.create_index(op.f("ix_dpi_seller_identifier_value"), "dpi_seller_identifier", ["value"])
    _child_table("dpi_seller_address", seller, *_address(legal=True))
    _child_table(
        "dpi_property_listing",
        seller,
        *_address(legal=False),
        _text("land_registration_number"),
        _text("property_type"),
        _text("other_property_type"),
        sa.Column("rented_days", COUNT, nullable=True),
    )
    _child_table(
        "dpi_activity",
        seller,
        _text("activity", nullable=False),
        sa.Column("listing_position", sa.Integer(), nullable=True),
        *(
            column
            for name in ("consideration", "fees", "taxes")
            for column in (sa.Column(name, AMOUNT, nullable=False), _text(f"{name}_currency", nullable=False))
        ),
        sa.Column("activities", COUNT, nullable=False),
        key=("quarter",),
    )
    op.create_index(op.f("ix_dpi_activity_activity"), "dpi_activity", ["activity"])
    _cbc_tables()
    for name, body in _views(op.get_bind().dialect.name).items():
        op.execute(f"CREATE VIEW {name} AS {body}")


def downgrade() -> None:
    for name in reversed(list(_views(op.get_bind().dialect.name))):
        op.execute(f"DROP VIEW {name}")
    for table in (
        "cbc_additional_info",
        "cbc_constituent_entity",
        "cbc_report",
        "cbc_reporting_entity",
        "dpi_activity",
        "dpi_property_listing",
        "dpi_seller_address",
        "dpi_seller_identifier",
        "dpi_seller",
        "dpi_other_operator",
        "dpi_platform_operator",
    ):
        op.drop_table(table)


def _cbc_tables() -> None:
    _entity_table(
        "cbc_reporting_entity",
        _text("mne_group_name"),
        _text("reporting_role"),
        sa.Column("period_start", sa.Date(), nullable=True),
        sa.Column("period_end", sa.Date(), nullable=True),
    )
    _record_table(
        "cbc_report",
        _text("res_country_code", nullable=False),
        _text("currency", nullable=False),
        *(sa.Column(name, AMOUNT, nullable=False) for name in _CBC_AMOUNTS),
        sa.Column("employees", COUNT, nullable=False),
        indexed=("res_country_code",),
    )
    _child_table(
        "cbc_constituent_entity",
        "report_id cbc_report.id",
        _text("name"),
        _text("tin"),
        _text("tin_issued_by"),
        _codes("identifiers"),
        _codes("res_country_codes"),
        _text("incorp_country_code"),
        _text("role"),
        _codes("biz_activities"),
        _text("country_code"),
        _text("city"),
        sa.Column("address_free", sa.Text(), nullable=True),
        sa.Column("other_entity_info", sa.Text(), nullable=True),
    )
    op.create_index(op.f("ix_cbc_constituent_entity_tin"), "cbc_constituent_entity", ["tin"])
    _record_table(
        "cbc_additional_info",
        _codes("other_info"),
        _codes("res_country_codes"),
        _codes("summary_refs"),
    )


def _views(dialect: str) -> dict[str, str]:
    """The analysts' views: live (current) versions only, amounts in currency units on both engines."""

    def units(column: str) -> str:
        # SQLite keeps amounts as exact hundredths (exchange.store.types.Amount).
        return f"({column} / 100.0)" if dialect == "sqlite" else column

    live = (
        "JOIN doc_record d ON d.id = {table}.doc_record_id AND d.state = 'current' "
        "JOIN message_header h ON h.file_id = {table}.file_id"
    )
    return {
        "dpi_platform_operators": (
            "SELECT fi.id AS reporting_fi_id, d.sender, h.reporting_period, h.message_ref_id, d.doc_ref_id, "
            "n.full_name AS name, t.value AS tin, po.vat, po.nexus, po.assumed_reporting "
            "FROM reporting_fi fi JOIN dpi_platform_operator po ON po.reporting_fi_id = fi.id "
            + live.format(table="fi")
            + " LEFT JOIN party p ON p.reporting_fi_id = fi.id "
            "LEFT JOIN party_name n ON n.party_id = p.id AND n.position = 0 "
            "LEFT JOIN party_tin t ON t.party_id = p.id AND t.position = 0"
        ),
        "dpi_sellers": (
            "SELECT s.id AS seller_id, d.sender, h.reporting_period, d.doc_ref_id, s.reporting_fi_id, "
            "s.kind, s.full_name, s.first_name, s.last_name, s.birth_date, s.birth_city, "
            "s.birth_country_code, s.vat, "
            "i.value AS tin, i.issued_by AS tin_issued_by, a.country_code, a.city, a.post_code, a.street, "
            "a.address_free "
            "FROM dpi_seller s "
            + live.format(table="s")
            + " LEFT JOIN dpi_seller_identifier i ON i.seller_id = s.id AND i.position = 0 "
            "LEFT JOIN dpi_seller_address a ON a.seller_id = s.id AND a.position = 0"
        ),
        "dpi_seller_activities": (
            "SELECT s.id AS seller_id, d.sender, h.reporting_period, d.doc_ref_id, x.activity, x.quarter, "
            "x.listing_position, "
            f"{units('x.consideration')} AS consideration, x.consideration_currency, "
            f"{units('x.fees')} AS fees, x.fees_currency, {units('x.taxes')} AS taxes, x.taxes_currency, "
            "x.activities "
            "FROM dpi_activity x JOIN dpi_seller s ON s.id = x.seller_id " + live.format(table="s")
        ),
        "dpi_property_listings": (
            "SELECT s.id AS seller_id, d.sender, h.reporting_period, d.doc_ref_id, l.position, "
            "l.country_code, "
            "l.city, l.post_code, l.street, l.address_free, l.land_registration_number, l.property_type, "
            "l.rented_days, "
            f"(SELECT sum({units('x.consideration')}) FROM dpi_activity x WHERE x.seller_id = l.seller_id "
            "AND x.listing_position = l.position) AS consideration "
            "FROM dpi_property_listing l JOIN dpi_seller s ON s.id = l.seller_id " + live.format(table="s")
        ),
        "cbc_reporting_entities": (
            "SELECT fi.id AS reporting_fi_id, d.sender, h.reporting_period, h.message_ref_id, d.doc_ref_id, "
            "n.full_name AS name, t.value AS tin, e.mne_group_name, e.reporting_role, e.period_start, "
            "e.period_end "
            "FROM reporting_fi fi JOIN cbc_reporting_entity e ON e.reporting_fi_id = fi.id "
            + live.format(table="fi")
            + " LEFT JOIN party p ON p.reporting_fi_id = fi.id "
            "LEFT JOIN party_name n ON n.party_id = p.id AND n.position = 0 "
            "LEFT JOIN party_tin t ON t.party_id = p.id AND t.position = 0"
        ),
        "cbc_jurisdiction_summaries": (
            "SELECT r.id AS report_id, d.sender, h.reporting_period, d.doc_ref_id, r.reporting_fi_id, "
            "e.mne_group_name, r.res_country_code, r.currency, "
            + ", ".join(f"{units('r.' + name)} AS {name}" for name in _CBC_AMOUNTS)
            + ", r.employees "
            "FROM cbc_report r "
            + live.format(table="r")
            + " LEFT JOIN cbc_reporting_entity e ON e.reporting_fi_id = r.reporting_fi_id"
        ),
        "cbc_constituent_entities": (
            "SELECT c.report_id, d.sender, h.reporting_period, d.doc_ref_id, "
            "r.res_country_code AS jurisdiction, c.position, c.name, c.tin, c.tin_issued_by, "
            "c.incorp_country_code, c.role, c.biz_activities, c.country_code, c.city "
            "FROM cbc_constituent_entity c JOIN cbc_report r ON r.id = c.report_id " + live.format(table="r")
        ),
    }
