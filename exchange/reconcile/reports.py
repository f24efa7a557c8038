"""Reconciling what DPI and CbC files report: individual sellers against the taxpayer registry
(sellers.py), entity sellers and constituent entities against the company registry (companies.py).
The pipeline calls `reconcile_reports` after `reconcile_file`; for a file of another format it finds
nothing to decide."""

from __future__ import annotations

import time
from collections import Counter

from sqlalchemy import Engine

from exchange.logs import get_logger
from exchange.reconcile.companies import reconcile_companies
from exchange.reconcile.sellers import reconcile_sellers
from exchange.settings import Settings

log = get_logger(__name__)


def reconcile_reports(engine: Engine, file_id: int, settings: Settings) -> dict[str, Counter[str]]:
    """The decisions on the file's sellers and entities, by kind: {"sellers": ..., "companies": ...}."""
    started = time.monotonic()
    with engine.begin() as connection:
        sellers = reconcile_sellers(connection, file_id, settings)
        companies = reconcile_companies(connection, file_id)
    if sellers or companies:
        log.info(
            "sellers and entities reconciled",
            file_id=file_id,
            sellers=dict(sellers),
            companies=dict(companies),
            seconds=round(time.monotonic() - started, 3),
        )
    return {"sellers": sellers, "companies": companies}
