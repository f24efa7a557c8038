"""Tables of the console's users and their sessions (migration 0010)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from exchange.models import Base
from exchange.store.types import Id


class ConsoleUser(Base):
    """A person who may log in to the console, with one role. No password (None): the user logs in
    only through the single-sign-on proxy (console_trusted_proxy_header)."""

    __tablename__ = "console_user"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str | None] = mapped_column(String(256))
    created_at: Mapped[datetime] = mapped_column()
    password_changed_at: Mapped[datetime | None] = mapped_column()
    last_login_at: Mapped[datetime | None] = mapped_column()


class ConsoleSession(Base):
    """A login: the SHA-256 of the token its cookie carries, whose it is, and until when it holds."""

    __tablename__ = "console_session"

    token_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(Id, ForeignKey("console_user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column()
    expires_at: Mapped[datetime] = mapped_column(index=True)
