"""The audit of analyst queries: who asked what, when, and how many rows it returned.

Written to the product's one audit trail (`exchange.audit`) as actions `flags.<command>`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine

from exchange.audit import ANALYST_ENV, current_user, record

__all__ = ["ANALYST_ENV", "current_analyst", "record_query"]


def current_analyst(given: str | None = None) -> str:
    """The analyst named on the command line, else in EXCHANGE_ANALYST, else the OS user."""
    return current_user(given, ANALYST_ENV)


def record_query(
    engine: Engine, analyst: str, command: str, filters: dict[str, Any], row_count: int, output_format: str
) -> None:
    taxpayer = filters.get("taxpayer_id") or filters.get("national_id")
    record(
        engine,
        analyst,
        f"flags.{command}",
        filters,
        subject=f"taxpayer {taxpayer}" if taxpayer else None,
        row_count=row_count,
        output_format=output_format,
    )
