"""The small registry the DPI/CbC reconciliation and flag tests match against: Jan Peeters of Gent
(a benefit recipient, when asked; with a return of 2025 declaring the properties and income given,
when asked) and the companies given."""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Engine

from exchange.db import upgrade
from exchange.records import PartyKind
from exchange.registry.data import (
    AddressData,
    BenefitData,
    DeclaredIncomeData,
    DeclaredPropertyData,
    TaxpayerData,
    TaxReturnData,
)
from exchange.registry.load import load_file, load_population
from exchange.registry.synthetic.population import Population

PEETERS = "85073003328"


def load_registry(
    engine: Engine,
    tmp_path: Path,
    companies: list[list[str]] | None,
    *,
    benefit: bool = False,
    tax_return: bool = False,
    properties: tuple[DeclaredPropertyData, ...] = (),
    income: tuple[DeclaredIncomeData, ...] = (),
) -> None:
    upgrade(engine)
    population = Population("BE", 2025, 0)
    population.taxpayers.append(
        TaxpayerData(PEETERS, PartyKind.INDIVIDUAL, "BE", "Jan", "Peeters", None, date(1985, 7, 30))
    )
    population.addresses.append(
        AddressData(
            PEETERS, date(2010, 1, 1), "Gent", street="Veldstraat", house_number="2", post_code="9000"
        )
    )
    if benefit:
        population.benefits.append(BenefitData(PEETERS, 2025, "integration_income", Decimal(9000)))
    if tax_return:
        population.returns.append(TaxReturnData(PEETERS, 2025, Decimal(42000)))
        population.declared_properties.extend(properties)
        population.declared_income.extend(income)
    assert all(not report.rejected for report in load_population(engine, population))
    if companies is not None:
        path = tmp_path / "companies.csv"
        with path.open("w", encoding="utf-8", newline="") as handle:
            csv.writer(handle).writerows(companies)
        assert not load_file(engine, path, home="BE").rejected
