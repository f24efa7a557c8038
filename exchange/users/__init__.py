"""The console's people: local users with a role, their hashed passwords, and their login sessions.

`exchange users` manages them; `exchange serve` (exchange/console) logs them in. Passwords are hashed
with Argon2id (argon2-cffi), a memory-hard function; a session is a random token whose SHA-256 alone is
stored, so the table cannot be used to log in.
"""

from exchange.users.accounts import (
    InvalidUserNameError,
    NoSuchUserError,
    UserExistsError,
    UserInfo,
    add_user,
    check_password,
    find_user,
    list_users,
    remove_user,
    set_password,
)
from exchange.users.roles import Role
from exchange.users.sessions import SessionInfo, close_session, open_session, session_of

__all__ = [
    "InvalidUserNameError",
    "NoSuchUserError",
    "Role",
    "SessionInfo",
    "UserExistsError",
    "UserInfo",
    "add_user",
    "check_password",
    "close_session",
    "find_user",
    "list_users",
    "open_session",
    "remove_user",
    "session_of",
    "set_password",
]
