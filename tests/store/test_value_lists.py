"""`among`: a long IN list bound as one parameter selects exactly what `in_` selects, on both engines."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine, func, insert, select

from exchange.records import PartyKind
from exchange.registry.models import Taxpayer
from exchange.store.value_lists import among


def _taxpayers(engine: Engine, count: int) -> None:
    now = datetime.now(UTC)
    rows = [
        {
            "id": n,
            "kind": PartyKind.INDIVIDUAL,
            "country": "BE",
            "national_id": f"NID{n:06d}",
            "id_type": "NN",
            "updated_at": now,
        }
        for n in range(1, count + 1)
    ]
    with engine.begin() as connection:
        connection.execute(insert(Taxpayer), rows)


def test_among_selects_what_in_selects(db_engine: Engine) -> None:
    _taxpayers(db_engine, 3000)
    wanted = [*range(2, 3000, 3), 5000]  # one id stored by no row
    with db_engine.connect() as connection:
        by_list = connection.execute(select(Taxpayer.id).where(Taxpayer.id.in_(wanted))).scalars().all()
        found = connection.execute(select(Taxpayer.id).where(among(connection, Taxpayer.id, wanted)))
        assert sorted(found.scalars()) == sorted(by_list)
        assert len(by_list) == 1000


def test_among_strings_and_the_empty_list(db_engine: Engine) -> None:
    _taxpayers(db_engine, 10)
    with db_engine.connect() as connection:
        names = connection.execute(
            select(Taxpayer.id).where(
                among(connection, Taxpayer.national_id, ["NID000003", "NID000007", "x"])
            )
        )
        assert sorted(names.scalars()) == [3, 7]
        none = select(func.count()).where(among(connection, Taxpayer.id, []))
        assert connection.execute(none.select_from(Taxpayer)).scalar_one() == 0
