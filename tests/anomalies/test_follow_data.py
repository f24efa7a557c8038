"""Flags follow the data, on SQLite and PostgreSQL: a correction re-evaluates them, a deletion retracts
them, a registry update does too on a full evaluation, and evaluating again changes nothing."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Engine, delete, func, insert, select
from sqlalchemy.orm import Session

from exchange.anomalies import (
    EventType,
    FlagChanges,
    evaluate_all,
    evaluate_file,
    mark_published,
    pending_events,
    risk_scores,
)
from exchange.anomalies.models import Flag
from exchange.registry.models import DeclaredForeignAccount
from exchange.settings import Settings
from tests.anomalies.builders import (
    BANQUE_EXEMPLE,
    CLAES,
    EL_AMRANI,
    PEETERS,
    Sender,
    load_registry,
    report,
    taxpayer_id,
)
from tests.anomalies.inspect import codes_by_account, codes_by_taxpayer


def _codes(changes: FlagChanges, event: EventType) -> list[str]:
    return sorted(e.code for e in changes.of(event))


def _first_file(engine: Engine, settings: Settings) -> tuple[Sender, FlagChanges]:
    load_registry(engine)
    lu = Sender(BANQUE_EXEMPLE)
    claes = report("LU-F1-01", CLAES.party(), balance="15000.00", payments=(("CRS502", "300.00"),))
    file_id = lu.send(engine, settings, "F1", claes)
    return lu, evaluate_file(engine, file_id, settings)


def test_a_deletion_retracts_what_the_record_carried(db_engine: Engine, settings: Settings) -> None:
    lu, first = _first_file(db_engine, settings)
    assert _codes(first, EventType.RAISED) == ["DC01", "DC02", "SB01"]
    claes = taxpayer_id(db_engine, CLAES.national_id)
    assert risk_scores(db_engine)[claes].score == 88.8  # high 60, high 60, medium 30

    deletion = report("LU-F2-01", CLAES.party(), balance="15000.00", indic="OECD3", corrects="LU-F1-01")
    second = evaluate_file(db_engine, lu.send(db_engine, settings, "F2", deletion), settings)

    assert _codes(second, EventType.RETRACTED) == ["DC01", "DC02", "SB01"] and not second.raised
    assert {event.key for event in second.events} == {str(claes)}
    assert all(event.taxpayer_score == 0.0 for event in second.events)
    assert codes_by_account(db_engine) == {} and codes_by_taxpayer(db_engine) == {}
    assert codes_by_account(db_engine, "retracted") == {"LU-F1-01": {"DC01"}}
    assert risk_scores(db_engine) == {}


def test_a_correction_re_evaluates(db_engine: Engine, settings: Settings) -> None:
    lu, first = _first_file(db_engine, settings)
    correction = report(
        "LU-F2-01",
        CLAES.party(),
        balance="5000.00",
        payments=(("CRS502", "300.00"),),
        indic="OECD2",
        corrects="LU-F1-01",
    )
    second = evaluate_file(db_engine, lu.send(db_engine, settings, "F2", correction), settings)

    assert _codes(second, EventType.RETRACTED) == ["SB01"]  # 5000 is below the benefit threshold
    [updated] = second.updated
    assert (updated.code, updated.amount) == ("DC01", Decimal("5000.00"))
    assert updated.flag_id == next(e.flag_id for e in first.raised if e.code == "DC01")
    assert not second.raised  # the interest did not change: DC02 stays as it was, without an event
    with Session(db_engine) as session:
        dc01 = session.scalars(select(Flag).where(Flag.code == "DC01")).one()
        assert dc01.evidence["balance"] == "5000.00" and dc01.account_report_id is not None
    assert codes_by_account(db_engine) == {"LU-F1-01": {"DC01"}}


def test_a_correction_that_changes_the_holder_moves_the_flag(db_engine: Engine, settings: Settings) -> None:
    lu, _ = _first_file(db_engine, settings)
    correction = report("LU-F2-01", EL_AMRANI.party(), balance="15000.00", indic="OECD2", corrects="LU-F1-01")
    second = evaluate_file(db_engine, lu.send(db_engine, settings, "F2", correction), settings)
    retracted = {(e.code, e.taxpayer_id) for e in second.retracted}
    raised = {(e.code, e.taxpayer_id) for e in second.raised}
    assert ("DC01", taxpayer_id(db_engine, CLAES.national_id)) in retracted
    assert raised == {("DC01", taxpayer_id(db_engine, EL_AMRANI.national_id))}


def test_evaluating_again_changes_nothing(db_engine: Engine, settings: Settings) -> None:
    lu, _ = _first_file(db_engine, settings)
    with Session(db_engine) as session:
        before = [(f.id, f.state, f.updated_at) for f in session.scalars(select(Flag).order_by(Flag.id))]
    assert evaluate_file(db_engine, lu.sent[0], settings).events == ()
    assert evaluate_all(db_engine, settings).events == ()
    assert evaluate_file(db_engine, 999_999, settings).events == ()  # no such file: nothing it touches
    with Session(db_engine) as session:
        assert [
            (f.id, f.state, f.updated_at) for f in session.scalars(select(Flag).order_by(Flag.id))
        ] == before


def test_a_registry_update_retracts_and_raises_again_on_a_full_evaluation(
    db_engine: Engine, settings: Settings
) -> None:
    _, first = _first_file(db_engine, settings)
    [dc01] = [event for event in first.raised if event.code == "DC01"]
    claes = taxpayer_id(db_engine, CLAES.national_id)
    with db_engine.begin() as connection:
        connection.execute(
            insert(DeclaredForeignAccount).values(
                taxpayer_id=claes, tax_year=2025, country_code="LU", institution="Banque Exemple"
            )
        )
    declared = evaluate_all(db_engine, settings)
    assert [(e.event, e.flag_id) for e in declared.events] == [(EventType.RETRACTED, dc01.flag_id)]
    with db_engine.begin() as connection:
        connection.execute(delete(DeclaredForeignAccount).where(DeclaredForeignAccount.taxpayer_id == claes))
    again = evaluate_all(db_engine, settings)
    assert [(e.event, e.flag_id) for e in again.events] == [(EventType.RAISED, dc01.flag_id)]


def test_an_institution_that_amends_often(db_engine: Engine, settings: Settings) -> None:
    settings = settings.model_copy(update={"flag_fi_min_records": 2})
    load_registry(db_engine)
    lu = Sender(BANQUE_EXEMPLE)
    first = lu.send(
        db_engine,
        settings,
        "F1",
        report("LU-F1-01", PEETERS.party(), balance="10.00"),
        report("LU-F1-02", CLAES.party(), balance="10.00"),
    )
    assert "FI01" not in _codes(evaluate_file(db_engine, first, settings), EventType.RAISED)
    correction = report("LU-F2-01", CLAES.party(), balance="20.00", indic="OECD2", corrects="LU-F1-02")
    second = evaluate_file(db_engine, lu.send(db_engine, settings, "F2", correction), settings)
    [fi01] = [event for event in second.raised if event.code == "FI01"]
    assert fi01.taxpayer_id is None and fi01.key == "institution:LU:LU:LU12345678:2025"
    with Session(db_engine) as session:
        flag = session.get(Flag, fi01.flag_id)
        assert flag is not None and flag.institution == "LU:LU12345678"
        assert flag.evidence == {"new": 2, "corrections": 1, "deletions": 0, "share": 0.3333}


def test_events_wait_in_the_outbox_until_published(db_engine: Engine, settings: Settings) -> None:
    _, first = _first_file(db_engine, settings)
    pending = pending_events(db_engine)
    assert [event.to_dict() for event in pending] == [event.to_dict() for event in first.events]
    mark_published(db_engine, [event.event_id for event in pending[:2]])
    assert [event.event_id for event in pending_events(db_engine)] == [pending[2].event_id]
    with Session(db_engine) as session:
        assert session.scalar(select(func.count()).select_from(Flag)) == 3
