"""Opening the store for the commands that use it without migrating it: the schema must be at head, and
a store that does not exist is said to be missing, never created as a side effect."""

from __future__ import annotations

from sqlalchemy import Engine

from exchange import db
from exchange.errors import ExchangeError
from exchange.instance import check_store, claim_store
from exchange.settings import Settings


class StoreNotReadyError(ExchangeError):
    """The store's schema is behind the code: `exchange db upgrade` first."""


def open_store(settings: Settings) -> Engine:
    """The store for commands that write into it (registry, reconcile, flags): at head, and claimed for
    this home jurisdiction."""
    engine = _at_head(settings)
    try:
        claim_store(engine, settings)
    except BaseException:
        engine.dispose()
        raise
    return engine


def read_store(settings: Settings) -> Engine:
    """The store for commands that only read it (files, status): at head, and not another
    jurisdiction's; nothing is written, not even the store's identity."""
    engine = _at_head(settings)
    try:
        check_store(engine, settings)
    except BaseException:
        engine.dispose()
        raise
    return engine


def _at_head(settings: Settings) -> Engine:
    url = settings.effective_database_url
    engine = db.create_db_engine(url, create=False)
    try:
        db.ping(engine)
        current, head = db.current_revision(engine), db.head_revision()
        if current is None:
            raise StoreNotReadyError(
                f"the store at {db.describe(url)} has no schema: run `exchange db upgrade`"
            )
        if current != head:
            raise StoreNotReadyError(
                f"the store at {db.describe(url)} is at schema {current}, not {head}: "
                "run `exchange db upgrade`"
            )
    except BaseException:
        engine.dispose()
        raise
    return engine
