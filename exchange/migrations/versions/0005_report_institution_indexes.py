"""Indexes on the reports' ReportingFI: rule 80009 asks which reports stand under an institution.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28
"""

from __future__ import annotations

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None

_INDEXED = (("account_report", "reporting_fi_id"), ("pool_report", "reporting_fi_id"))


def upgrade() -> None:
    for table, column in _INDEXED:
        op.create_index(op.f(f"ix_{table}_{column}"), table, [column])


def downgrade() -> None:
    for table, column in _INDEXED:
        op.drop_index(op.f(f"ix_{table}_{column}"), table_name=table)
