"""The linkage index in the database: taxpayer_link (one row per taxpayer: its folded profile and its
key under each blocking rule, an index per rule) replaces taxpayer_block_key; name_frequency holds
the name counts of the term-frequency adjustment; linkage_model the trained models.

An existing registry is indexed here, from its own tables, with the product's folding and keys.

Revision ID: 0011
Revises: 0009
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | None = None
depends_on: str | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TIMESTAMP = sa.DateTime(timezone=True)
# The blocking rules' index columns at this revision (exchange.reconcile.blocking.RULES).
KEY_COLUMNS = ("k_bdf", "k_bdg", "k_bdi", "k_fgy", "k_fgd", "k_fg", "k_fpc", "k_opc", "k_on", "k_ow")


def upgrade() -> None:
    op.drop_index("ix_taxpayer_block_key_taxpayer_id", table_name="taxpayer_block_key")
    op.drop_table("taxpayer_block_key")
    op.create_table(
        "taxpayer_link",
        sa.Column("taxpayer_id", ID, nullable=False),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("tin", sa.String(30), nullable=False),
        sa.Column("given", sa.String(), nullable=False),
        sa.Column("given_all", sa.String(), nullable=False),
        sa.Column("family", sa.String(), nullable=False),
        sa.Column("organisation", sa.String(), nullable=False),
        sa.Column("birth", sa.String(8), nullable=False),
        sa.Column("addresses", sa.Text(), nullable=False),
        *(sa.Column(column, sa.String(), nullable=True) for column in KEY_COLUMNS),
        sa.ForeignKeyConstraint(
            ["taxpayer_id"], ["taxpayer.id"], name=op.f("fk_taxpayer_link_taxpayer_id_taxpayer")
        ),
        sa.PrimaryKeyConstraint("taxpayer_id", name=op.f("pk_taxpayer_link")),
        comment="The linkage index: each taxpayer's folded profile and blocking keys, one index per rule.",
    )
    for column in KEY_COLUMNS:
        where = sa.text(f"{column} IS NOT NULL")
        op.create_index(
            f"ix_taxpayer_link_{column}",
            "taxpayer_link",
            [column],
            unique=False,
            postgresql_where=where,
            sqlite_where=where,
        )
    op.create_table(
        "name_frequency",
        sa.Column("field", sa.String(20), nullable=False),
        sa.Column("value", sa.String(), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("field", "value", name=op.f("pk_name_frequency")),
    )
    op.create_table(
        "linkage_model",
        sa.Column("version", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("trained_at", TIMESTAMP, nullable=False),
        sa.Column("model", sa.JSON(), nullable=False),
        sa.Column("training", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("version", name=op.f("pk_linkage_model")),
    )
    op.create_index(op.f("ix_linkage_model_kind"), "linkage_model", ["kind"], unique=False)
    _index_existing_registry()


def _index_existing_registry() -> None:
    # The product's own code folds and keys, so an upgraded registry is indexed as a new load would be.
    from exchange.reconcile.db_source import chunked
    from exchange.registry.upsert import refresh_frequencies, refresh_link_index

    connection = op.get_bind()
    ids = list(connection.execute(sa.text("SELECT id FROM taxpayer ORDER BY id")).scalars())
    for batch in chunked(ids, 5000):
        refresh_link_index(connection, batch)
    if ids:
        refresh_frequencies(connection)


def downgrade() -> None:
    op.drop_index(op.f("ix_linkage_model_kind"), table_name="linkage_model")
    op.drop_table("linkage_model")
    op.drop_table("name_frequency")
    for column in KEY_COLUMNS:
        op.drop_index(f"ix_taxpayer_link_{column}", table_name="taxpayer_link")
    op.drop_table("taxpayer_link")
    # The keys of revision 0003 are not rebuilt: load the registry again after going down.
    op.create_table(
        "taxpayer_block_key",
        sa.Column("rule", sa.String(8), nullable=False),
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("taxpayer_id", ID, nullable=False),
        sa.ForeignKeyConstraint(
            ["taxpayer_id"], ["taxpayer.id"], name=op.f("fk_taxpayer_block_key_taxpayer_id_taxpayer")
        ),
        sa.PrimaryKeyConstraint("rule", "key", "taxpayer_id", name=op.f("pk_taxpayer_block_key")),
    )
    op.create_index("ix_taxpayer_block_key_taxpayer_id", "taxpayer_block_key", ["taxpayer_id"], unique=False)
