"""Declared rental properties and income by DPI activity type: loaded from files like the other
registry tables (every row written or rejected with its reason), their match keys folded at load, on
SQLite and PostgreSQL; generated with the synthetic population, declared or not as its truth says."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Engine, select

from exchange.records import Activity
from exchange.registry.declared_models import DeclaredIncome, DeclaredProperty
from exchange.registry.load import load_file
from exchange.registry.synthetic.population import generate_population


def _write(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


def _registry(engine: Engine, tmp_path: Path) -> None:
    taxpayers = [
        ["national_id", "kind", "given_names", "family_name", "birth_date"],
        ["85073003328", "individual", "Jan", "Peeters", "1985-07-30"],
        ["01490700185", "individual", "Lien", "Claes", "2001-09-07"],
    ]
    returns = [["national_id", "tax_year", "total_income"], ["85073003328", "2025", "42000"]]
    for name, rows in (("taxpayers", taxpayers), ("returns", returns)):
        assert not load_file(engine, _write(tmp_path / f"{name}.csv", rows), home="BE").rejected


PROPERTIES = [
    [
        *("national_id", "tax_year", "line", "country_code", "street", "house_number", "city"),
        *("land_registration_number", "rental_income", "rented_days"),
    ],
    ["85073003328", "2025", "1", "NL", "Prinsengracht", "9", "Amsterdam", "ASD01 K 1234", "4000", "40"],  # 2
    ["85073003328", "2025", "2", "BE", "Veldstraat", "2 bus 3", "Gent", "", "9600.50", ""],  # 3
    ["01490700185", "2025", "1", "BE", "Meir", "1", "Antwerpen", "", "100", ""],  # 4: no return
    ["85073003328", "2025", "3", "BE", "Meir", "1", "Antwerpen", "", "-5", ""],  # 5: negative
    ["85073003328", "2025", "4", "BE", "Meir", "1", "Antwerpen", "", "5", "400"],  # 6: days
    ["85073003328", "2025", "0", "BE", "Meir", "1", "Antwerpen", "", "5", ""],  # 7: line
]


def test_declared_properties_load_with_their_match_keys(db_engine: Engine, tmp_path: Path) -> None:
    _registry(db_engine, tmp_path)
    report = load_file(db_engine, _write(tmp_path / "p.csv", PROPERTIES), home="BE")
    assert (report.table, report.rows_read, report.rows_written) == ("properties", 6, 2)
    reasons = {r.line: r.reason for r in report.rejected}
    assert "load the returns first" in reasons[4]
    assert "rental_income" in reasons[5] and "rented_days" in reasons[6] and "line" in reasons[7]
    with db_engine.connect() as connection:
        rows = connection.execute(
            select(
                DeclaredProperty.line,
                DeclaredProperty.land_key,
                DeclaredProperty.address_key,
                DeclaredProperty.rental_income,
                DeclaredProperty.rented_days,
            ).order_by(DeclaredProperty.line)
        ).all()
    assert [tuple(row) for row in rows] == [
        (1, "ASD01K1234", "NL|amsterdam|prinsengracht|9", Decimal("4000.00"), 40),
        (2, None, "BE|gent|veldstraat|2", Decimal("9600.50"), None),
    ]
    again = load_file(db_engine, _write(tmp_path / "p.csv", PROPERTIES), home="BE")
    assert again.rows_written == 2  # an upsert: the same rows in place


def test_declared_income_by_activity_type(db_engine: Engine, tmp_path: Path) -> None:
    _registry(db_engine, tmp_path)
    rows = [
        ["national_id", "tax_year", "kind", "amount"],
        ["85073003328", "2025", "personal_services", "1200"],
        ["85073003328", "2025", "Sale_of_Goods", "300"],
        ["85073003328", "2025", "consulting", "300"],  # 4: not a DPI activity type
        ["85073003328", "2024", "sale_of_goods", "300"],  # 5: no return of 2024
    ]
    report = load_file(db_engine, _write(tmp_path / "i.csv", rows), home="BE")
    assert (report.table, report.rows_written) == ("declared_income", 2)
    reasons = {r.line: r.reason for r in report.rejected}
    assert "personal_services" in reasons[4] and "returns" in reasons[5]
    with db_engine.connect() as connection:
        query = select(DeclaredIncome.kind, DeclaredIncome.amount)
        found = {kind: amount for kind, amount in connection.execute(query)}
    assert found == {"personal_services": Decimal("1200.00"), "sale_of_goods": Decimal("300.00")}


def test_the_synthetic_returns_declare_what_the_platforms_pay_or_not() -> None:
    population = generate_population(3000, seed=5)
    earnings = population.platform_earnings
    assert earnings and {e.activity for e in earnings} == set(Activity)
    income = {(i.national_id, i.kind): i.amount for i in population.declared_income}
    properties = {(p.national_id, p.land_registration_number) for p in population.declared_properties}
    for earning in earnings:
        declared = income.get((earning.seller_id, earning.activity.value), Decimal(0))
        assert declared == earning.declared <= earning.consideration
        if earning.let is not None and earning.declared:
            assert earning.declared_days is not None and earning.rented_days is not None
            assert earning.declared_days <= earning.rented_days
    assert any(e.declared == 0 for e in earnings) and any(0 < e.declared < e.consideration for e in earnings)
    lets = [e for e in earnings if e.let is not None and e.declared]
    with_number = [e for e in lets if (e.seller_id, e.let and e.let.land_registration_number) in properties]
    assert with_number and len(with_number) < len(lets)  # some declared without their number
    again = generate_population(3000, seed=5)  # the same seed, the same declarations
    assert (again.declared_properties, again.declared_income) == (
        population.declared_properties,
        population.declared_income,
    )
