"""Adding, listing and removing console users, setting their passwords, and checking a login.

Argon2id with argon2-cffi's defaults (RFC 9106's low-memory profile: 64 MiB, 3 passes), a memory-hard
function, so a stolen table is slow to crack on GPUs; a hash made with weaker parameters is renewed at
the next successful login. A login for a user who does not exist costs the same as a wrong password, so
the time taken does not tell which names exist.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Engine, delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from exchange.errors import ExchangeError
from exchange.users.models import ConsoleSession, ConsoleUser
from exchange.users.roles import Role

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")
MIN_PASSWORD_LENGTH = 12
_hasher = PasswordHasher()
# Verified against when the user is unknown, so that such a login takes as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not anybody's password")


class UserExistsError(ExchangeError):
    """A user of that name exists already."""


class NoSuchUserError(ExchangeError):
    """No user has that name."""


class InvalidUserNameError(ExchangeError):
    """A user name the console cannot take (characters, length)."""


class WeakPasswordError(ExchangeError):
    """A password shorter than MIN_PASSWORD_LENGTH."""


@dataclass(frozen=True, slots=True)
class UserInfo:
    id: int
    name: str
    role: Role
    has_password: bool
    created_at: datetime
    last_login_at: datetime | None


def checked_name(name: str) -> str:
    if not _NAME.fullmatch(name):
        raise InvalidUserNameError(
            f"{name!r} is not a user name: 1 to 64 letters, digits and . _ @ -, starting with a letter "
            "or digit"
        )
    return name


def _checked_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPasswordError(f"a console password has at least {MIN_PASSWORD_LENGTH} characters")
    return password


def _info(row: ConsoleUser) -> UserInfo:
    return UserInfo(
        row.id, row.name, Role(row.role), row.password_hash is not None, row.created_at, row.last_login_at
    )


def add_user(engine: Engine, name: str, role: Role, password: str | None) -> UserInfo:
    """A new user; `password` None: logs in through the single-sign-on proxy only."""
    now = datetime.now(UTC)
    hashed = None if password is None else _hasher.hash(_checked_password(password))
    try:
        with engine.begin() as connection:
            connection.execute(
                insert(ConsoleUser).values(
                    name=checked_name(name),
                    role=role.value,
                    password_hash=hashed,
                    created_at=now,
                    password_changed_at=now if hashed else None,
                )
            )
    except IntegrityError:
        raise UserExistsError(f"the console has a user {name!r} already") from None
    found = find_user(engine, name)
    assert found is not None
    return found


def find_user(engine: Engine, name: str) -> UserInfo | None:
    with Session(engine) as session:
        row = session.scalars(select(ConsoleUser).where(ConsoleUser.name == name)).first()
        return None if row is None else _info(row)


def list_users(engine: Engine) -> list[UserInfo]:
    with Session(engine) as session:
        return [_info(row) for row in session.scalars(select(ConsoleUser).order_by(ConsoleUser.name))]


def remove_user(engine: Engine, name: str) -> None:
    """Remove the user and end their sessions at once."""
    with engine.begin() as connection:
        user_id = connection.scalar(select(ConsoleUser.id).where(ConsoleUser.name == name))
        if user_id is None:
            raise NoSuchUserError(f"the console has no user {name!r}: `exchange users list` shows them")
        connection.execute(delete(ConsoleSession).where(ConsoleSession.user_id == user_id))
        connection.execute(delete(ConsoleUser).where(ConsoleUser.id == user_id))


def set_password(engine: Engine, name: str, password: str | None) -> None:
    """A new password (None: single-sign-on only); the user's sessions end, wherever they were opened."""
    hashed = None if password is None else _hasher.hash(_checked_password(password))
    with engine.begin() as connection:
        user_id = connection.scalar(select(ConsoleUser.id).where(ConsoleUser.name == name))
        if user_id is None:
            raise NoSuchUserError(f"the console has no user {name!r}: `exchange users list` shows them")
        connection.execute(
            update(ConsoleUser)
            .where(ConsoleUser.id == user_id)
            .values(password_hash=hashed, password_changed_at=datetime.now(UTC))
        )
        connection.execute(delete(ConsoleSession).where(ConsoleSession.user_id == user_id))


def check_password(engine: Engine, name: str, password: str) -> UserInfo | None:
    """The user if the password is theirs, else None (unknown user, wrong password, SSO-only user)."""
    with engine.connect() as connection:
        row = connection.execute(
            select(ConsoleUser.id, ConsoleUser.password_hash).where(ConsoleUser.name == name)
        ).first()
    stored = row.password_hash if row is not None else None
    try:
        _hasher.verify(stored or _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if row is None or stored is None:
        return None
    renewed = _hasher.hash(password) if _hasher.check_needs_rehash(stored) else stored
    with engine.begin() as connection:
        connection.execute(
            update(ConsoleUser)
            .where(ConsoleUser.id == row.id)
            .values(password_hash=renewed, last_login_at=datetime.now(UTC))
        )
    return find_user(engine, name)
