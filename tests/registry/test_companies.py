"""The company registry: a companies file loads like the other registry files (every row written or
rejected with its reason, idempotent), numbers checked with python-stdnum, on SQLite and PostgreSQL;
the synthetic registry's companies are valid and load with the population."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from exchange.reconcile.normalize import organisation_key
from exchange.registry.bulk import bulk_load
from exchange.registry.company_models import Company
from exchange.registry.company_numbers import (
    InvalidCompanyNumberError,
    enterprise_number,
    read_any,
    vat_number,
)
from exchange.registry.export import write_population
from exchange.registry.load import load_file, load_population
from exchange.registry.synthetic.population import generate_population, iter_population

HEADER = ["enterprise_number", "name", "country", "vat_number", "legal_form", "post_code", "city", "activity"]
COMPANIES = [
    HEADER,
    ["0403.170.701", "Voorbeeld Immo NV", "", "", "NV", "2000", "Antwerpen", "68.20"],  # 2: BE, VAT implied
    ["0403170702", "Fout BV", "", "", "", "", "", ""],  # 3: BE check digits wrong
    ["12345678", "Delta Verhuur B.V.", "NL", "NL004495445B01", "", "1012 AB", "Amsterdam", "68.20"],  # 4
    ["12345678", "Delta Verhuur B.V.", "NL", "NL004495446B01", "", "", "", ""],  # 5: VAT check wrong
    ["B123456", "Lux Invest S.A.", "LU", "LU15027442", "", "L-1234", "Luxembourg", "64.30"],  # 6
    ["B123456", "Lux Invest S.A.", "LU", "", "", "", "", "sixty-eight"],  # 7: not a NACE code
    ["0403019261", "", "", "", "", "", "", ""],  # 8: no name
    ["1234567", "Kort", "NL", "", "", "", "", ""],  # 9: a KvK number has 8 digits
]


def _write(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


def _companies(engine: Engine) -> dict[tuple[str, str], Company]:
    with Session(engine) as session:
        return {(c.country, c.enterprise_number): c for c in session.scalars(select(Company))}


def test_company_rows_are_written_or_rejected_with_their_line(db_engine: Engine, tmp_path: Path) -> None:
    report = load_file(db_engine, _write(tmp_path / "c.csv", COMPANIES), home="BE")
    assert (report.table, report.rows_read, report.rows_written) == ("companies", 8, 3)
    reasons = {r.line: r.reason for r in report.rejected}
    assert set(reasons) == {3, 5, 7, 8, 9}
    assert reasons[3].startswith("enterprise_number")
    assert reasons[5].startswith("vat_number")
    assert reasons[7].startswith("activity")
    assert "name" in reasons[8]
    assert "KvK" in reasons[9]
    assert all("0403170702" not in reason for reason in reasons.values())  # no value in a reason
    stored = _companies(db_engine)
    assert set(stored) == {("BE", "0403170701"), ("NL", "12345678"), ("LU", "B123456")}
    belgian = stored[("BE", "0403170701")]
    assert (belgian.vat_number, belgian.country_code) == ("BE0403170701", "BE")
    assert belgian.name_key == "voorbeeld immo"  # folded without its legal form
    assert stored[("NL", "12345678")].vat_number == "NL004495445B01"
    assert stored[("LU", "B123456")].vat_number == "LU15027442"


def test_loading_companies_twice_updates_in_place(db_engine: Engine, tmp_path: Path) -> None:
    path = _write(tmp_path / "c.csv", COMPANIES)
    load_file(db_engine, path, home="BE")
    renamed = [HEADER, ["0403170701", "Voorbeeld Vastgoed NV", "", "", "NV", "2000", "Antwerpen", "68.20"]]
    load_file(db_engine, _write(tmp_path / "renamed.csv", renamed), home="BE")
    stored = _companies(db_engine)
    assert len(stored) == 3
    assert stored[("BE", "0403170701")].name_key == organisation_key("Voorbeeld Vastgoed NV")


@pytest.mark.parametrize(
    ("country", "value", "expected"),
    [("BE", "BE 0403.170.701", "BE0403170701"), ("NL", "NL004495445B01", "NL004495445B01")],
)
def test_vat_numbers_are_compacted_with_their_prefix(country: str, value: str, expected: str) -> None:
    assert vat_number(country, value) == expected


def test_unknown_schemes_and_bad_numbers_are_refused() -> None:
    with pytest.raises(InvalidCompanyNumberError):
        enterprise_number("DE", "123")
    with pytest.raises(InvalidCompanyNumberError):
        vat_number("LU", "LU15027443")
    assert ("BE", "0403170701") in read_any("BE0403170701")
    assert read_any("not a number") == []


def test_the_synthetic_companies_are_valid_and_load_with_the_population(
    db_engine: Engine, tmp_path: Path
) -> None:
    population = generate_population(2000, seed=5)
    companies = population.companies
    entities = [t for t in population.taxpayers if t.organisation_name]
    assert len([c for c in companies if c.country == "BE"]) == len(entities)
    assert {c.country for c in companies} == {"BE", "NL", "LU"}  # sister companies abroad
    for company in companies:
        assert enterprise_number(company.country, company.enterprise_number) == company.enterprise_number
        assert company.vat_number is not None
        assert vat_number(company.country, company.vat_number) == company.vat_number
    assert generate_population(2000, seed=5).companies == companies  # the same at every run
    reports = load_population(db_engine, population)
    assert all(not r.rejected for r in reports)
    assert len(_companies(db_engine)) == len(companies)
    # The written file loads into the same rows.
    files = write_population(population, tmp_path, "csv")
    report = load_file(db_engine, files["companies"], home="BE")
    assert (report.rows_written, report.rejected) == (len(companies), [])
    assert len(_companies(db_engine)) == len(companies)


def test_the_bulk_path_loads_the_companies(db_engine: Engine) -> None:
    report = bulk_load(db_engine, iter_population(2000, seed=5, chunk=700))
    expected = sum(len(chunk.companies) for chunk in iter_population(2000, seed=5, chunk=700))
    assert report.rows["company"] == expected > 0
    with db_engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(Company)).scalar_one() == expected
