"""`among`: a long IN list bound as one parameter selects exactly what `in_` selects, on both engines."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine, func, insert, select

from exchange.records import PartyKind
from exchange.registry.models import Taxpayer
from exchange.store.ids import insert_with_ids
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


def test_insert_with_ids_gives_each_row_its_key(db_engine: Engine) -> None:
    now = datetime.now(UTC)
    rows = [
        {
            "kind": PartyKind.INDIVIDUAL,
            "country": "BE",
            "national_id": f"NEW{n}",
            "id_type": "NN",
            "updated_at": now,
        }
        for n in range(300)
    ]
    with db_engine.begin() as connection:
        first = insert_with_ids(connection, Taxpayer.__table__, rows[:5])  # type: ignore[arg-type]
        ids = insert_with_ids(connection, Taxpayer.__table__, rows[5:])  # type: ignore[arg-type]
        stored = dict(
            connection.execute(select(Taxpayer.id, Taxpayer.national_id).where(Taxpayer.id.in_(ids))).all()
        )
    assert len(set(ids)) == 295 and min(ids) > max(first)
    assert [stored[key] for key in ids] == [f"NEW{n}" for n in range(5, 300)]
