"""The audit of analyst queries: who asked what, when, about whom, and how many rows it showed.

Written to the product's one audit trail (`exchange.audit`) as actions `flags.<command>`. The subject
is whom the query is about when that is one person: the taxpayer a list is filtered on, or the
taxpayer (or, for a flag about no known taxpayer, the reported party) of the flag shown.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any

from sqlalchemy import Engine

from exchange.audit import ANALYST_ENV, AuditedAct, audited, current_user

__all__ = ["ANALYST_ENV", "audited_query", "current_analyst", "flag_subject"]


def current_analyst(given: str | None = None) -> str:
    """The analyst named on the command line, else in EXCHANGE_ANALYST, else the OS user."""
    return current_user(given, ANALYST_ENV)


def audited_query(
    engine: Engine,
    analyst: str,
    command: str,
    filters: dict[str, Any],
    output_format: str,
    subject: str | None = None,
) -> AbstractContextManager[AuditedAct]:
    """Audit one query: recorded before it shows anything, its row count once it is done."""
    taxpayer = filters.get("taxpayer_id") or filters.get("national_id")
    if subject is None and taxpayer:
        subject = f"taxpayer {taxpayer}"
    return audited(engine, analyst, f"flags.{command}", filters, subject=subject, output_format=output_format)


def flag_subject(flag: dict[str, Any] | None, flag_id: int) -> str:
    """Whom showing a flag is about: its taxpayer, else the reported party, else the flag itself."""
    if flag is not None and flag["taxpayer_id"] is not None:
        return f"taxpayer {flag['taxpayer_id']}"
    if flag is not None and flag["party_id"] is not None:
        return f"party {flag['party_id']}"
    return f"flag {flag_id}"
