"""Alembic environment: the engine comes from `exchange.db`, never from an ini file."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

import exchange.anomalies.models  # registers the flags' tables
import exchange.audit.trail  # registers the audit trail
import exchange.dead_letters  # registers the operators' decisions on dead letters
import exchange.reconcile.models  # registers the registry's and reconciliation's tables
import exchange.store.models  # registers the store's tables on the metadata
import exchange.users.models  # noqa: F401  (registers the console's users and sessions)
from exchange.models import metadata

engine: Engine = context.config.attributes["engine"]

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        # SQLite cannot ALTER most things in place; batch mode rebuilds tables the portable way.
        render_as_batch=connection.dialect.name == "sqlite",
    )
    context.run_migrations()
