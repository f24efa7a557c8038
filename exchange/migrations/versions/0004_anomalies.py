"""Flags, their events (outbox), taxpayer risk scores, the analyst audit, and the analysts' SQL views.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None

# Written out rather than imported from the models, so this revision keeps meaning what it meant.
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")  # SQLite assigns keys only to INTEGER PRIMARY KEY
AMOUNT = sa.Numeric(18, 2).with_variant(sa.BigInteger(), "sqlite")  # hundredths on SQLite: exact
TIMESTAMP = sa.DateTime(timezone=True)

# The views (documented in exchange/anomalies/README.md). Amounts are hundredths on SQLite: the views
# turn them into currency units there, so that a query reads the same on both engines.
_VIEWS = {
    "analysis_flag": """
        SELECT f.id AS flag_id, f.code, f.severity, f.score, f.state, f.taxpayer_id,
               t.country AS taxpayer_country, t.national_id, t.kind AS taxpayer_kind,
               r.score AS taxpayer_score, f.sender, f.reporting_year, f.institution,
               {amount} AS amount, f.currency, f.raised_at, f.retracted_at, f.scope_key,
               f.account_report_id, f.party_id, f.evidence
        FROM flag f
        LEFT JOIN taxpayer t ON t.id = f.taxpayer_id
        LEFT JOIN taxpayer_risk r ON r.taxpayer_id = f.taxpayer_id
    """,
    "analysis_taxpayer_risk": """
        SELECT r.taxpayer_id, t.country AS taxpayer_country, t.national_id, t.kind AS taxpayer_kind,
               r.score, r.flags, r.max_severity, r.updated_at
        FROM taxpayer_risk r
        JOIN taxpayer t ON t.id = r.taxpayer_id
    """,
    "study_flag_counts": """
        SELECT f.code, f.sender, f.reporting_year, f.currency, COUNT(*) AS flags,
               COUNT(DISTINCT f.taxpayer_id) AS taxpayers, {amount_total} AS amount_total
        FROM flag f
        WHERE f.state = 'raised'
        GROUP BY f.code, f.sender, f.reporting_year, f.currency
    """,
}


def _fk(table: str, column: str, referred: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{referred}.id"], name=op.f(f"fk_{table}_{column}_{referred}"))


def _index(table: str, column: str) -> None:
    op.create_index(op.f(f"ix_{table}_{column}"), table, [column], unique=False)


def _create_views() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    amounts = {
        "amount": "f.amount / 100.0" if sqlite else "f.amount",
        "amount_total": "SUM(f.amount) / 100.0" if sqlite else "SUM(f.amount)",
    }
    for name, body in _VIEWS.items():
        op.execute(f"CREATE VIEW {name} AS {body.format(**amounts)}")


def upgrade() -> None:
    op.create_table(
        "flag",
        sa.Column("id", ID, nullable=False),
        sa.Column("fingerprint", sa.String(), nullable=False),
        sa.Column("code", sa.String(8), nullable=False),
        sa.Column("scope_key", sa.String(), nullable=False),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("severity", sa.String(8), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("taxpayer_id", ID, nullable=True),
        sa.Column("party_id", ID, nullable=True),
        sa.Column("account_report_id", ID, nullable=True),
        sa.Column("sender", sa.String(), nullable=True),
        sa.Column("reporting_year", sa.Integer(), nullable=True),
        sa.Column("institution", sa.String(), nullable=True),
        sa.Column("amount", AMOUNT, nullable=True),
        sa.Column("currency", sa.String(3), nullable=True),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("file_id", ID, nullable=True),
        sa.Column("raised_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.Column("retracted_at", TIMESTAMP, nullable=True),
        _fk("flag", "taxpayer_id", "taxpayer"),
        _fk("flag", "party_id", "party"),
        _fk("flag", "account_report_id", "account_report"),
        _fk("flag", "file_id", "received_file"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_flag")),
        sa.UniqueConstraint("fingerprint", name=op.f("uq_flag_fingerprint")),
    )
    _index("flag", "scope_key")
    _index("flag", "taxpayer_id")
    op.create_index("ix_flag_state_code", "flag", ["state", "code"], unique=False)

    op.create_table(
        "flag_event",
        sa.Column("id", ID, nullable=False),
        sa.Column("flag_id", ID, nullable=False),
        sa.Column("event", sa.String(10), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("published_at", TIMESTAMP, nullable=True),
        _fk("flag_event", "flag_id", "flag"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_flag_event")),
    )
    _index("flag_event", "flag_id")
    _index("flag_event", "published_at")

    op.create_table(
        "taxpayer_risk",
        sa.Column("taxpayer_id", ID, nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("flags", sa.Integer(), nullable=False),
        sa.Column("max_severity", sa.String(8), nullable=True),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        _fk("taxpayer_risk", "taxpayer_id", "taxpayer"),
        sa.PrimaryKeyConstraint("taxpayer_id", name=op.f("pk_taxpayer_risk")),
    )

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
    _index("analyst_query", "queried_at")

    _create_views()


def downgrade() -> None:
    for view in _VIEWS:
        op.execute(f"DROP VIEW {view}")
    for table in ("analyst_query", "taxpayer_risk", "flag_event", "flag"):
        op.drop_table(table)
