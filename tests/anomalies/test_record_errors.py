"""A balance a record error disputes (60002 negative, 60003 closed but not zero) is stored with its record
and feeds no flag: not a flag's amount, not a sum, not a threshold, not a cohort; the rules that do not
need it still fire, with the codes in their evidence. On SQLite and PostgreSQL, through the real rules."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from exchange import db
from exchange.anomalies import evaluate_file
from exchange.anomalies.models import DisputedBalance, Flag
from exchange.anomalies.study import study_table
from exchange.anomalies.taxpayer_facts import cohorts_of_years
from exchange.settings import Settings
from exchange.store.models import FindingRow
from tests.anomalies.builders import (
    BANQUE_EXEMPLE,
    CLAES,
    DUBOIS,
    STRANGER,
    YEAR,
    Sender,
    load_registry,
    report,
)
from tests.anomalies.inspect import codes_by_account


def _file_with_errors(engine: Engine, settings: Settings) -> int:
    load_registry(engine)
    return Sender(BANQUE_EXEMPLE).send(
        engine,
        settings,
        "E1",
        report("LU-E1-01", STRANGER, balance="-251949.14"),  # 60002, and nobody in the registry
        report("LU-E1-02", CLAES.party(), balance="-300000.00"),  # 60002: undeclared, benefit recipient
        report("LU-E1-03", CLAES.party(), balance="15000.00"),
        report("LU-E1-04", DUBOIS.party(), balance="80000.00", closed=True),  # 60003, nothing paid
        report(
            "LU-E1-05", DUBOIS.party(), balance="90000.00", closed=True, payments=(("CRS503", "60000.00"),)
        ),  # 60003, with large proceeds
        checked=True,
    )


def _raised(engine: Engine) -> dict[tuple[str, str | None], Flag]:
    with Session(engine) as session:
        flags = session.scalars(select(Flag).where(Flag.state == "raised")).all()
        return {(flag.code, flag.evidence.get("balance")): flag for flag in flags}


def test_the_records_are_stored_with_their_errors(db_engine: Engine, settings: Settings) -> None:
    file_id = _file_with_errors(db_engine, settings)
    with Session(db_engine) as session:
        codes = session.scalars(select(FindingRow.code).where(FindingRow.file_id == file_id)).all()
    assert sorted(codes) == [60002, 60002, 60003, 60003]
    evaluate_file(db_engine, file_id, settings)
    with Session(db_engine) as session:
        disputed = session.scalars(select(DisputedBalance.code)).all()
    assert sorted(disputed) == [60002, 60002, 60003, 60003]


def test_a_disputed_balance_feeds_no_amount_sum_or_threshold(db_engine: Engine, settings: Settings) -> None:
    file_id = _file_with_errors(db_engine, settings)
    evaluate_file(db_engine, file_id, settings)
    by_account = codes_by_account(db_engine)
    flags = _raised(db_engine)

    # Who the person is, and that the account is undeclared, do not depend on the balance.
    assert by_account["LU-E1-01"] == {"ID01"}
    unknown = flags[("ID01", None)]
    assert unknown.amount is None and unknown.evidence["record_errors"] == [60002]
    undeclared = [f for f in flags.values() if f.code == "DC01" and f.evidence["balance"] is None]
    assert [(f.amount, f.evidence["record_errors"]) for f in undeclared] == [(None, [60002])]

    # SB01 sums the balances that mean something: 15,000, not 15,000 - 300,000.
    benefit = next(f for f in flags.values() if f.code == "SB01")
    assert benefit.amount == Decimal("15000.00") and benefit.evidence["foreign_assets"] == "15000.00"
    assert benefit.evidence["balances_left_out"] == 1 and benefit.evidence["record_errors"] == [60002]

    # AC03 judges a disputed closed account by its payments alone.
    assert "AC03" not in by_account.get("LU-E1-04", set())
    [closed] = [f for f in flags.values() if f.code == "AC03"]
    assert closed.amount == Decimal("60000.00") and closed.evidence["record_errors"] == [60003]

    assert all(flag.amount is None or flag.amount >= 0 for flag in flags.values())
    with Session(db_engine) as session:
        totals = [row["amount_total"] for row in study_table(session, 1) if row["amount_total"] is not None]
    assert totals and all(total >= 0 for total in totals)


def test_a_disputed_balance_is_no_member_of_a_cohort(db_engine: Engine, settings: Settings) -> None:
    evaluate_file(db_engine, _file_with_errors(db_engine, settings), settings)
    with db_engine.connect() as connection:
        cohorts = cohorts_of_years(connection, {YEAR}, settings)
    # Claes holds 15,000 that count (not -285,000); every balance of Dubois is disputed.
    assert {key: cohort.size for key, cohort in cohorts.items()} == {(YEAR, "15000-30000"): 1}


def test_disputed_balances_of_files_stored_before_the_migration_are_found(
    db_engine: Engine, settings: Settings
) -> None:
    _file_with_errors(db_engine, settings)  # stored, not evaluated: nothing noted yet
    db.downgrade(db_engine, "0006")
    db.upgrade(db_engine)
    with Session(db_engine) as session:
        disputed = session.scalars(select(DisputedBalance.code)).all()
    assert sorted(disputed) == [60002, 60002, 60003, 60003]
