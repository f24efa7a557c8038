"""The store's identity: which home jurisdiction and environment it was created for."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from exchange import __version__
from exchange.errors import ConfigError
from exchange.models import InstanceIdentity
from exchange.settings import Settings


def claim_store(engine: Engine, settings: Settings) -> InstanceIdentity:
    """Record who owns a fresh store, or check that an existing one is ours.

    A store opened by an instance configured for another jurisdiction or environment would answer
    partners in the wrong name and mix test data with production data, so that is refused.
    """
    with Session(engine, expire_on_commit=False) as session, session.begin():
        identity = session.scalars(select(InstanceIdentity)).first()
        if identity is None:
            identity = InstanceIdentity(
                home_jurisdiction=settings.home_jurisdiction,
                environment=settings.environment.value,
                created_at=datetime.now(UTC),
                created_by_version=__version__,
            )
            session.add(identity)
            return identity
    _refuse_another(identity, settings)
    return identity


def check_store(engine: Engine, settings: Settings) -> InstanceIdentity | None:
    """The store's owner, checked against the settings without claiming an unclaimed store (readers
    write nothing)."""
    with Session(engine, expire_on_commit=False) as session:
        identity = session.scalars(select(InstanceIdentity)).first()
    if identity is not None:
        _refuse_another(identity, settings)
    return identity


def _refuse_another(identity: InstanceIdentity, settings: Settings) -> None:
    if (identity.home_jurisdiction, identity.environment) != (
        settings.home_jurisdiction,
        settings.environment.value,
    ):
        raise ConfigError(
            f"this store belongs to {identity.home_jurisdiction} ({identity.environment}), but the settings "
            f"say {settings.home_jurisdiction} ({settings.environment.value}); "
            "point EXCHANGE_DATABASE_URL elsewhere"
        )
