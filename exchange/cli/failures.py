"""The last line of defence before "internal error": failures of the database, the broker or the file
system that reached `main` from a command which could not say better, each turned into one line that
names what to fix (and never a password).

Commands should catch what they can explain where they know more (which file, which store); this is
for what slips through. Nothing here imports SQLAlchemy or aiokafka: a failure from them means they
are loaded already, and `exchange validate` stays free of both.
"""

from __future__ import annotations

import sys

from exchange.settings import Settings, mask_url


def describe_failure(exc: BaseException, settings: Settings | None) -> str | None:
    """One line for a failure a user can fix, or None for a bug (shown as an internal error)."""
    for describer in (_database, _broker, _file_system):
        described = describer(exc, settings)
        if described is not None:
            return described
    return None


def _database(exc: BaseException, settings: Settings | None) -> str | None:
    errors = sys.modules.get("sqlalchemy.exc")
    if errors is None or not isinstance(exc, errors.SQLAlchemyError):
        return None
    where = "the database" if settings is None else f"database {_store_name(settings)}"
    if isinstance(exc, errors.OperationalError | errors.InterfaceError):
        return f"{where} is unreachable or failed: {_first_line(exc.orig) or type(exc.orig).__name__}"
    if isinstance(exc, errors.ProgrammingError):  # a table or column the code expects is not there
        return f"{where} does not have the schema this version expects: run `exchange db upgrade`"
    if isinstance(exc, errors.ArgumentError | errors.NoSuchModuleError):
        return "EXCHANGE_DATABASE_URL is not usable: use sqlite:///PATH or postgresql://user:password@host/db"
    return None


def _broker(exc: BaseException, settings: Settings | None) -> str | None:
    errors = sys.modules.get("aiokafka.errors")
    if errors is None or not isinstance(exc, errors.KafkaError):
        return None
    where = "the broker" if settings is None else f"the broker at {settings.kafka_bootstrap_servers}"
    if isinstance(exc, errors.KafkaConnectionError):
        return f"{where} is unreachable: check EXCHANGE_KAFKA_BOOTSTRAP_SERVERS and that Kafka runs"
    return f"{where} refused the request ({type(exc).__name__}): check the broker and the topics"


def _file_system(exc: BaseException, settings: Settings | None) -> str | None:
    if not isinstance(exc, OSError) or isinstance(exc, ConnectionError):
        return None
    reason = exc.strerror or type(exc).__name__
    if exc.filename is not None:
        return f"cannot use {exc.filename}: {reason}"
    return None


def _store_name(settings: Settings) -> str:
    from exchange.db import describe  # the database is loaded already: this failure came from it

    try:
        return describe(settings.effective_database_url)
    except Exception:  # a URL too broken to describe is still not to be printed with its password
        return mask_url(settings.effective_database_url)


def _first_line(error: BaseException | None) -> str:
    text = str(error or "").strip()
    return text.splitlines()[0] if text else ""
