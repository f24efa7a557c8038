"""Console sessions: a random token in a signed cookie, its SHA-256 in the database with an expiry.

Kept in the database rather than only in the cookie so that logging out, removing a user or changing
their password ends their sessions at once, in every console process sharing the store.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, delete, insert, select

from exchange.users.models import ConsoleSession, ConsoleUser
from exchange.users.roles import Role


@dataclass(frozen=True, slots=True)
class SessionInfo:
    user: str
    role: Role
    expires_at: datetime


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(engine: Engine, user_id: int, lifetime: timedelta) -> str:
    """A new session for the user; its token (for the cookie, never stored)."""
    token = secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    with engine.begin() as connection:
        # Expired sessions go as new ones come: the table holds live logins only.
        connection.execute(delete(ConsoleSession).where(ConsoleSession.expires_at < now))
        connection.execute(
            insert(ConsoleSession).values(
                token_sha256=_digest(token), user_id=user_id, created_at=now, expires_at=now + lifetime
            )
        )
    return token


def session_of(engine: Engine, token: str) -> SessionInfo | None:
    """Who holds this live session, or None (unknown, expired, logged out, user removed)."""
    query = (
        select(ConsoleUser.name, ConsoleUser.role, ConsoleSession.expires_at)
        .join(ConsoleUser, ConsoleUser.id == ConsoleSession.user_id)
        .where(ConsoleSession.token_sha256 == _digest(token))
    )
    with engine.connect() as connection:
        row = connection.execute(query).first()
    if row is None or row.expires_at <= datetime.now(UTC):
        return None
    return SessionInfo(row.name, Role(row.role), row.expires_at)


def close_session(engine: Engine, token: str) -> None:
    with engine.begin() as connection:
        connection.execute(delete(ConsoleSession).where(ConsoleSession.token_sha256 == _digest(token)))
