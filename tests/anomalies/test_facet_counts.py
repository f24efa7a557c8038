"""The facet counts the flag writer keeps (`flag_facet_count`) are, after every step of raises,
retractions, raises again and corrections that move a flag to other facet values, exactly a GROUP BY
over `flag`, on SQLite and PostgreSQL; and the migration counts the flags a store already holds."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, insert, select, text

from exchange import db
from exchange.anomalies.facet_counts import FACET_KEY, shown
from exchange.anomalies.flag_rows import compare, stored_flags, write
from exchange.anomalies.models import Flag, FlagFacetCount

Desired = dict[str, dict[str, Any]]


def _flag(n: int, **changed: Any) -> tuple[str, dict[str, Any]]:
    """The n-th flag of the test, as a rule would desire it; some without sender, year or institution."""
    columns: dict[str, Any] = {
        "code": ("DC01", "AC02", "ID01")[n % 3],
        "scope_key": f"account:{n}",
        "severity": ("high", "medium", "low")[n % 3],
        "score": 30,
        "taxpayer_id": None,
        "party_id": None,
        "account_report_id": None,
        "sender": None if n % 5 == 0 else ("LU", "NL")[n % 2],
        "reporting_year": None if n % 7 == 0 else 2024 + n % 2,
        "institution": None if n % 4 == 0 else f"LU:FI{n % 3}",
        "amount": Decimal(n) + Decimal("0.50"),
        "currency": "EUR",
        "evidence": {"n": n},
    }
    return f"test|{n}", columns | changed


def _write(engine: Engine, desired: Desired) -> None:
    """One batch through the flag writer: every flag of the test's scopes, compared and written."""
    scopes = {f"account:{n}" for n in range(40)}
    with engine.begin() as connection:
        stored = stored_flags(connection, scopes)
        write(connection, compare(stored, desired, None, datetime.now(UTC)))


def _kept(engine: Engine) -> Counter[tuple[Any, ...]]:
    columns = [getattr(FlagFacetCount, name) for name in FACET_KEY]
    with engine.connect() as connection:
        rows = connection.execute(select(*columns, FlagFacetCount.flags).where(FlagFacetCount.flags != 0))
        return Counter({tuple(map(shown, FACET_KEY, key)): count for *key, count in rows})


def _grouped(engine: Engine) -> Counter[tuple[Any, ...]]:
    key = ", ".join(FACET_KEY)
    with engine.connect() as connection:
        rows = connection.execute(text(f"SELECT {key}, count(*) FROM flag GROUP BY {key}"))
        return Counter({tuple(found): count for *found, count in rows})


def test_kept_counts_are_a_group_by_after_every_step(db_engine: Engine) -> None:
    raised = dict(_flag(n) for n in range(40))
    steps: list[Desired] = [
        raised,  # every flag raised
        {k: v for k, v in raised.items() if int(k.split("|")[1]) % 3},  # a third retracted
        raised,  # raised again
        # corrections: other severities, years and institutions, a sender lost; amounts changed alone
        dict(_flag(n, severity="low", reporting_year=2023, institution=None, sender=None) for n in range(10))
        | dict(_flag(n, amount=Decimal(7)) for n in range(10, 40)),
        dict(_flag(n) for n in range(20, 40)),  # half retracted, the other half corrected back
        {},  # every flag retracted
        dict(_flag(n, code="SB01") for n in range(5)),  # a few raised again under other values
    ]
    for number, desired in enumerate(steps):
        _write(db_engine, desired)
        grouped = _grouped(db_engine)
        assert sum(grouped.values()) == 40
        assert _kept(db_engine) == grouped, f"after step {number}"


def test_the_migration_counts_the_flags_already_stored(db_engine: Engine) -> None:
    now = datetime.now(UTC)
    rows = [
        {**columns, "fingerprint": fingerprint, "state": ("raised", "retracted")[n % 2], "raised_at": now,
         "updated_at": now}
        for n, (fingerprint, columns) in enumerate(_flag(n) for n in range(30))
    ]  # fmt: skip
    db.downgrade(db_engine, "0017")
    with db_engine.begin() as connection:
        connection.execute(insert(Flag), rows)
    db.upgrade(db_engine)
    assert _kept(db_engine) == _grouped(db_engine)
    assert sum(_kept(db_engine).values()) == 30
