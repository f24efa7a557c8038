"""Database engines for SQLite (the embedded default) and PostgreSQL (production), and the migrations.

Only the commands that make a store (`db upgrade`, `run`, `process`, `demo`) create a SQLite file, with
its folder, private to its owner; every other command opens an existing store or says there is none.
"""

from __future__ import annotations

import sqlite3
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import quote

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, OperationalError

from exchange.errors import ConfigError, ExchangeError, ServiceUnavailableError
from exchange.logs import get_logger
from exchange.private_files import private_directory, private_file, tighten
from exchange.settings import mask_url

SUPPORTED_BACKENDS = ("sqlite", "postgresql")
# Long enough for a database across a network, short enough that a wrong host fails a command promptly.
CONNECT_TIMEOUT_S = 10
# What SQLite writes beside the store: the write-ahead log and its shared-memory index.
SQLITE_COMPANIONS = ("-wal", "-shm", "-journal")

log = get_logger(__name__)


class StoreMissingError(ExchangeError):
    """The SQLite file of the store does not exist (and this command does not create one)."""


class StoreUnreadableError(ExchangeError):
    """The database can be reached but is not a store (not a SQLite file, for instance)."""


def normalize_url(url: str | URL) -> URL:
    """Pick the drivers we ship: psycopg 3 for PostgreSQL, the stdlib for SQLite. Any other database is
    a settings mistake, said as one, not a missing-plugin error from SQLAlchemy."""
    try:
        parsed = make_url(url)
        backend = parsed.get_backend_name()
    except ArgumentError:
        raise ConfigError(
            "EXCHANGE_DATABASE_URL is not a database URL: use sqlite:///PATH or "
            "postgresql://user:password@host/database"
        ) from None
    if backend not in SUPPORTED_BACKENDS:
        raise ConfigError(
            f"EXCHANGE_DATABASE_URL names a {backend!r} database; the store runs on SQLite "
            "(sqlite:///PATH) or PostgreSQL (postgresql://user:password@host/database)"
        )
    if backend == "postgresql" and parsed.drivername in {"postgresql", "postgres"}:
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def sqlite_file(url: str | URL) -> Path | None:
    """The file of a SQLite store; None for PostgreSQL and for an in-memory database."""
    parsed = normalize_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    database = parsed.database
    if database.startswith("file:"):  # already a URI: not ours to rewrite
        return None
    return Path(database)


def describe(url: str | URL) -> str:
    """How messages name a store: its file for SQLite, its URL without the password otherwise."""
    path = sqlite_file(url)
    return str(path) if path is not None else mask_url(str(url))


def _sqlite_pragmas(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
    # WAL lets readers (status, analysts) run beside the one writer; foreign keys are off by default.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _prepare_sqlite_file(path: Path) -> None:
    """The store's folder 0700 and file 0600 before SQLite opens it: SQLite gives its -wal and -shm
    files the mode of the database file, so all of them stay private."""
    private_directory(path.parent)
    if private_file(path):
        return
    tightened = [str(file) for file in _store_files(path) if tighten(file)]
    if tightened:
        log.warning("store files were readable by others; made private", files=tightened)


def _store_files(path: Path) -> list[Path]:
    return [path, *(path.with_name(path.name + suffix) for suffix in SQLITE_COMPANIONS)]


def create_db_engine(url: str | URL, *, create: bool = True, **kwargs: Any) -> Engine:
    """An engine on the store at `url`. With `create` false a missing SQLite store is an error and is
    never made, not even as an empty file."""
    parsed = normalize_url(url)
    path = sqlite_file(parsed)
    if path is not None:
        if create:
            _prepare_sqlite_file(path)
        else:
            if not path.is_file():
                raise StoreMissingError(
                    f"no store at {path}: run `exchange db upgrade`, or point EXCHANGE_DATABASE_URL at "
                    "an existing store (such as the one `exchange demo --keep` prints)"
                )
            # mode=rw: SQLite opens the file but never creates it, even if it vanishes meanwhile.
            parsed = parsed.set(
                database=f"file:{quote(str(path))}", query={**parsed.query, "mode": "rw", "uri": "true"}
            )
    if parsed.get_backend_name() == "sqlite":
        engine = _create(parsed, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    if "connect_timeout" not in parsed.query:
        kwargs.setdefault("connect_args", {}).setdefault("connect_timeout", CONNECT_TIMEOUT_S)
    return _create(parsed, **kwargs)


def _create(url: URL, **kwargs: Any) -> Engine:
    try:
        return create_engine(url, **kwargs)
    except (NoSuchModuleError, ImportError):
        raise ConfigError(
            f"EXCHANGE_DATABASE_URL: no driver {url.drivername!r} is installed; use sqlite:///PATH or "
            "postgresql://user:password@host/database"
        ) from None
    except ArgumentError as exc:
        raise ConfigError(f"EXCHANGE_DATABASE_URL is not usable: {exc}") from None


def _alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(resources.files("exchange") / "migrations"))
    config.attributes["engine"] = engine
    return config


def head_revision() -> str | None:
    script = ScriptDirectory.from_config(_alembic_config(create_engine("sqlite://")))
    return script.get_current_head()


def check_revision(revision: str) -> None:
    """Refuse a revision the migrations do not know (before a store is opened, let alone made)."""
    from alembic.util import CommandError

    if revision.lstrip("+-").isdigit() and revision[0] in "+-":  # relative: alembic resolves it
        return
    script = ScriptDirectory.from_config(_alembic_config(create_engine("sqlite://")))
    try:
        script.get_revision(revision)
    except CommandError:
        known = ", ".join(sorted(rev.revision for rev in script.walk_revisions()))
        raise ConfigError(f"no schema revision {revision!r}: use head or one of {known}") from None


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> str | None:
    """Bring the schema to `revision`; returns the revision the database is at afterwards."""
    try:
        command.upgrade(_alembic_config(engine), revision)
        return current_revision(engine)
    except OperationalError as exc:
        raise unreachable(engine.url, exc) from None


def downgrade(engine: Engine, revision: str) -> str | None:
    command.downgrade(_alembic_config(engine), revision)
    return current_revision(engine)


def ping(engine: Engine) -> None:
    """Connect once, so that an unreachable or unreadable database is one clear error up front."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except OperationalError as exc:
        raise unreachable(engine.url, exc) from None
    except DBAPIError as exc:
        raise StoreUnreadableError(
            f"{describe(_plain(engine.url))} is not a usable store ({first_line(exc.orig)}): point "
            "EXCHANGE_DATABASE_URL at the store, or run `exchange db upgrade` to make one"
        ) from None


def unreachable(url: URL, exc: DBAPIError) -> ServiceUnavailableError:
    """The error for a database that refuses or fails the connection, without its password."""
    return ServiceUnavailableError(
        f"database {describe(_plain(url))} is unreachable: {first_line(exc.orig) or type(exc.orig).__name__}"
    )


def _plain(url: URL) -> URL:
    """The URL as configured, for messages: without the read-only URI form `create=False` uses."""
    database = url.database or ""
    if url.get_backend_name() == "sqlite" and database.startswith("file:") and url.query.get("uri"):
        from urllib.parse import unquote

        return url.set(database=unquote(database.removeprefix("file:")), query={})
    return url


def first_line(error: BaseException | None) -> str:
    return str(error or "").strip().splitlines()[0] if str(error or "").strip() else ""
