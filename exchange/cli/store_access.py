"""Opening the store for commands that need its schema at head (registry, reconcile)."""

from __future__ import annotations

from sqlalchemy import Engine

from exchange import db
from exchange.errors import ExchangeError
from exchange.instance import claim_store
from exchange.settings import Settings, mask_url


class StoreNotReadyError(ExchangeError):
    """The store's schema is behind the code: `exchange db upgrade` first."""


def open_store(settings: Settings) -> Engine:
    engine = db.create_db_engine(settings.effective_database_url)
    try:
        db.ping(engine)
        current, head = db.current_revision(engine), db.head_revision()
        if current != head:
            raise StoreNotReadyError(
                f"{mask_url(settings.effective_database_url)} is at schema {current or 'empty'}, "
                f"not {head}: run `exchange db upgrade` first"
            )
        claim_store(engine, settings)
    except BaseException:
        engine.dispose()
        raise
    return engine
