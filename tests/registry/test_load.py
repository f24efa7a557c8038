"""Loading registry files: every row written or rejected with its reason, idempotent, CSV and Parquet,
on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sqlalchemy import Engine, func, select

from exchange.registry.columns import RegistryFileError
from exchange.registry.load import load_file, load_population
from exchange.registry.models import (
    TAXPAYER_LINK,
    DeclaredForeignAccount,
    NameFrequency,
    SocialBenefit,
    Taxpayer,
    TaxpayerAddress,
    TaxReturn,
)
from exchange.registry.synthetic.population import generate_population

TAXPAYERS = [
    ["national_id", "kind", "given_names", "family_name", "organisation_name", "birth_date"],
    ["85.07.30-033.28", "individual", "Jan Karel", "Peeters", "", "1985-07-30"],  # 2: formatted, valid
    ["0403019261", "organisation", "", "", "Voorbeeld Holding NV", ""],  # 3
    ["85073003329", "individual", "Piet", "Maes", "", "1985-07-30"],  # 4: check digits
    ["98472899765", "individual", "Anna", "", "", "1998-07-28"],  # 5: no family name
    ["01490700185", "individual", "Lien", "Claes", "", "2001-13-07"],  # 6: not a date
    ["0403019261", "person", "", "", "X", ""],  # 7: unknown kind
    ["01490700185", "individual", "Lien", "Claes", "", "2001-09-07"],  # 8: BIS number, fine
]


def _write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


def _count(engine: Engine, model: Any) -> int:
    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(model)).scalar_one()


def test_csv_rows_are_written_or_rejected_with_their_line(db_engine: Engine, tmp_path: Path) -> None:
    report = load_file(db_engine, _write_csv(tmp_path / "t.csv", TAXPAYERS), home="BE")
    assert (report.table, report.rows_read, report.rows_written) == ("taxpayers", 7, 3)
    reasons = {r.line: r.reason for r in report.rejected}
    assert set(reasons) == {4, 5, 6, 7}
    assert "checksum" in reasons[4]
    assert "family_name" in reasons[5]
    assert "birth_date" in reasons[6]
    assert "kind" in reasons[7]
    with db_engine.connect() as connection:
        stored = {t.national_id: t for t in connection.execute(select(Taxpayer))}
    assert set(stored) == {"85073003328", "0403019261", "01490700185"}
    assert stored["01490700185"].id_type == "be_bis"
    assert _count(db_engine, TAXPAYER_LINK) == 3  # the linkage index: one row per taxpayer
    assert _count(db_engine, NameFrequency) > 0


def test_loading_twice_changes_nothing_and_a_later_row_wins(db_engine: Engine, tmp_path: Path) -> None:
    path = _write_csv(tmp_path / "t.csv", TAXPAYERS)
    load_file(db_engine, path, home="BE")
    names = _count(db_engine, NameFrequency)
    again = load_file(db_engine, path, home="BE")
    assert (again.rows_written, _count(db_engine, Taxpayer), _count(db_engine, TAXPAYER_LINK)) == (3, 3, 3)
    assert _count(db_engine, NameFrequency) == names
    update = [
        TAXPAYERS[0],
        TAXPAYERS[1],
        ["85073003328", "individual", "Jan", "Peeters-Maes", "", "1985-07-30"],
    ]
    report = load_file(db_engine, _write_csv(tmp_path / "u.csv", update), home="BE")
    assert (report.rows_written, report.rows_superseded) == (1, 1)
    with db_engine.connect() as connection:
        family = connection.execute(select(Taxpayer.family_name).where(Taxpayer.national_id == "85073003328"))
        assert family.scalar_one() == "Peeters-Maes"


def test_dependent_rows_need_their_taxpayer_and_return(db_engine: Engine, tmp_path: Path) -> None:
    load_file(db_engine, _write_csv(tmp_path / "t.csv", TAXPAYERS), home="BE")
    addresses = [
        ["national_id", "valid_from", "valid_to", "street", "house_number", "post_code", "city"],
        ["85073003328", "2010-01-01", "2019-12-31", "Kerkstraat", "1", "2000", "Antwerpen"],
        ["85073003328", "2020-01-01", "", "Wetstraat", "16", "1000", "Brussel"],
        ["36574261809", "2020-01-01", "", "Hauptstraße", "1", "4700", "Eupen"],  # 4: DE id, but id_country BE
        ["111222333", "2020-01-01", "", "Damrak", "1", "1012", "Amsterdam"],  # 5: valid nowhere in BE
        ["01490700185", "2021-01-01", "2020-01-01", "Rue Haute", "3", "1000", "Bruxelles"],  # 6: ends before
    ]
    report = load_file(db_engine, _write_csv(tmp_path / "a.csv", addresses), home="BE")
    assert report.table == "addresses" and report.rows_written == 2
    assert {r.line for r in report.rejected} == {4, 5, 6}
    returns = [
        ["national_id", "tax_year", "total_income", "foreign_interest"],
        ["85073003328", "2025", "41000.5", "12"],
    ]
    assert load_file(db_engine, _write_csv(tmp_path / "r.csv", returns), home="BE").rows_written == 1
    accounts = [
        ["national_id", "tax_year", "country_code", "institution"],
        ["85073003328", "2025", "LU", "BGL BNP Paribas"],
        ["85073003328", "2024", "NL", "ING Bank N.V."],  # 3: no 2024 return
        ["0403019261", "2025", "NL", "ING Bank N.V."],  # 4: no return at all
    ]
    report = load_file(db_engine, _write_csv(tmp_path / "f.csv", accounts), home="BE")
    assert report.rows_written == 1
    assert {r.line: "tax return" in r.reason for r in report.rejected} == {3: True, 4: True}
    benefits = [
        ["national_id", "year", "kind", "amount"],
        ["85073003328", "2025", "integration_income", "-1"],
    ]
    report = load_file(db_engine, _write_csv(tmp_path / "b.csv", benefits), home="BE")
    assert report.rows_written == 0 and "negative" in report.rejected[0].reason
    with db_engine.connect() as connection:
        income = connection.execute(select(TaxReturn.total_income)).scalar_one()
    assert income == Decimal("41000.50")
    assert _count(db_engine, TaxpayerAddress) == 2


def test_parquet_rows_with_typed_and_bad_values(db_engine: Engine, tmp_path: Path) -> None:
    from datetime import date

    table = pa.Table.from_pylist(
        [
            {
                "national_id": "85073003328",
                "kind": "individual",
                "family_name": "Peeters",
                "birth_date": date(1985, 7, 30),
            },
            {"national_id": "85073003328", "kind": "individual", "family_name": None, "birth_date": None},
            {"national_id": "123", "kind": "individual", "family_name": "Maes", "birth_date": None},
        ]
    )
    pq.write_table(table, tmp_path / "t.parquet")
    report = load_file(db_engine, tmp_path / "t.parquet", home="BE")
    assert report.rows_written == 1
    assert [(r.line, "family_name" in r.reason or "national_id" in r.reason) for r in report.rejected] == [
        (2, True),
        (3, True),
    ]
    benefits = pa.Table.from_pylist(
        [
            {
                "national_id": "85073003328",
                "year": 2025,
                "kind": "integration_income",
                "amount": Decimal("13200.00"),
            }
        ]
    )
    pq.write_table(benefits, tmp_path / "b.parquet")
    assert load_file(db_engine, tmp_path / "b.parquet", home="BE").rows_written == 1
    with db_engine.connect() as connection:
        assert connection.execute(select(SocialBenefit.amount)).scalar_one() == Decimal("13200.00")


def test_a_file_that_fits_no_table_is_refused_whole(tmp_path: Path, db_engine: Engine) -> None:
    misspelt = _write_csv(
        tmp_path / "t.csv", [["national_id", "kind", "familyname"], ["85073003328", "individual", "X"]]
    )
    with pytest.raises(RegistryFileError, match="fit no registry table"):
        load_file(db_engine, misspelt, home="BE")
    with pytest.raises(RegistryFileError, match="unknown columns familyname"):
        load_file(db_engine, misspelt, home="BE", table="taxpayers")
    short = _write_csv(
        tmp_path / "s.csv", [["national_id", "kind", "family_name"], ["85073003328", "individual"]]
    )
    report = load_file(db_engine, short, home="BE")
    assert "fields" in report.rejected[0].reason
    (tmp_path / "t.xlsx").write_bytes(b"PK")
    with pytest.raises(RegistryFileError, match="unknown file type"):
        load_file(db_engine, tmp_path / "t.xlsx", home="BE")


def test_a_synthetic_population_loads_completely(db_engine: Engine) -> None:
    population = generate_population(300, seed=2)
    reports = load_population(db_engine, population)
    assert all(not r.rejected for r in reports)
    assert _count(db_engine, Taxpayer) == len(population.taxpayers)
    assert _count(db_engine, TaxpayerAddress) == len(population.addresses)
    assert _count(db_engine, TaxReturn) == len(population.returns)
    assert _count(db_engine, DeclaredForeignAccount) == len(population.declared_accounts)
    assert _count(db_engine, SocialBenefit) == len(population.benefits)
