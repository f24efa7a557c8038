"""The domestic registry: taxpayers, residence histories, tax returns and benefits, their identifiers,
loads from CSV and Parquet, and a synthetic Benelux population for the demo, tests and benchmarks.

Python callers: `load_file(engine, path, home=...)`, `load_population(engine, population)`,
`generate_population(size, seed)` and `generate_reports(population, sender, seed)`.
"""

from __future__ import annotations

from exchange.registry.identifiers import Identifier, IdType, InvalidIdentifierError, identify, normalize_tin
from exchange.registry.load import LoadReport, load_file, load_population
from exchange.registry.synthetic.population import ForeignHolding, Population, generate_population
from exchange.registry.synthetic.reports import SyntheticReport, generate_reports, reporting_fi

__all__ = [
    "ForeignHolding",
    "IdType",
    "Identifier",
    "InvalidIdentifierError",
    "LoadReport",
    "Population",
    "SyntheticReport",
    "generate_population",
    "generate_reports",
    "identify",
    "load_file",
    "load_population",
    "normalize_tin",
    "reporting_fi",
]
