"""Reconciling what DPI and CbC files report: individual sellers against the taxpayer registry
(sellers.py), entity sellers and constituent entities against the company registry (companies.py),
property listings against the properties returns declare (properties.py).
The pipeline calls `reconcile_reports` after `reconcile_file`; for a file of another format it finds
nothing to decide."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence

from sqlalchemy import Engine, select

from exchange.logs import get_logger
from exchange.reconcile.companies import reconcile_companies
from exchange.reconcile.decisions import DecisionKind
from exchange.reconcile.properties import reconcile_properties
from exchange.reconcile.report_matches import CompanyMatch, SellerMatch
from exchange.reconcile.sellers import reconcile_sellers
from exchange.settings import Settings
from exchange.store.cbc_models import CbcReportRow
from exchange.store.dpi_models import DpiSellerRow

log = get_logger(__name__)


def reconcile_reports(engine: Engine, file_id: int, settings: Settings) -> dict[str, Counter[str]]:
    """The decisions on the file's sellers, entities and property listings, by kind:
    {"sellers": ..., "companies": ..., "properties": ...}."""
    started = time.monotonic()
    with engine.begin() as connection:
        sellers = reconcile_sellers(connection, file_id, settings)
        companies = reconcile_companies(connection, file_id)
        properties = reconcile_properties(connection, file_id)  # after the sellers: it prefers their own
    if sellers or companies:
        log.info(
            "sellers and entities reconciled",
            file_id=file_id,
            sellers=dict(sellers),
            companies=dict(companies),
            properties=dict(properties),
            seconds=round(time.monotonic() - started, 3),
        )
    return {"sellers": sellers, "companies": companies, "properties": properties}


def report_files(engine: Engine, *, awaiting_only: bool) -> list[int]:
    """Stored files with DPI sellers or CbC reports; with `awaiting_only`, those of them whose sellers
    or entities have no decision yet, or await a registry (what `exchange reconcile` takes by default)."""
    with engine.connect() as connection:
        files = set(connection.execute(select(DpiSellerRow.file_id).distinct()).scalars())
        files |= set(connection.execute(select(CbcReportRow.file_id).distinct()).scalars())
        if awaiting_only:
            decided = set(
                connection.execute(
                    select(SellerMatch.file_id).where(SellerMatch.decision != DecisionKind.AWAITING.value)
                ).scalars()
            ) | set(
                connection.execute(
                    select(CompanyMatch.file_id).where(CompanyMatch.decision != DecisionKind.AWAITING.value)
                ).scalars()
            )
            waiting = set(
                connection.execute(
                    select(SellerMatch.file_id).where(SellerMatch.decision == DecisionKind.AWAITING.value)
                ).scalars()
            ) | set(
                connection.execute(
                    select(CompanyMatch.file_id).where(CompanyMatch.decision == DecisionKind.AWAITING.value)
                ).scalars()
            )
            files = {file_id for file_id in files if file_id in waiting or file_id not in decided}
    return sorted(files)


def rematch_reports(engine: Engine, settings: Settings, file_ids: Sequence[int]) -> dict[str, dict[str, int]]:
    """Reconcile the sellers and entities of these files again; the decisions of all, by kind."""
    total: dict[str, Counter[str]] = {"sellers": Counter(), "companies": Counter(), "properties": Counter()}
    for file_id in file_ids:
        for kind, counts in reconcile_reports(engine, file_id, settings).items():
            total[kind].update(counts)
    return {kind: dict(sorted(counts.items())) for kind, counts in total.items()}
