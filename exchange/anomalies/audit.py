"""The audit of analyst queries: who asked what, when, and how many rows it returned."""

from __future__ import annotations

import getpass
import os
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from exchange.anomalies.models import AnalystQuery

ANALYST_ENV = "EXCHANGE_ANALYST"


def current_analyst(given: str | None = None) -> str:
    """The analyst named on the command line, else in EXCHANGE_ANALYST, else the OS user."""
    return given or os.environ.get(ANALYST_ENV) or getpass.getuser()


def record_query(
    engine: Engine, analyst: str, command: str, filters: dict[str, Any], row_count: int, output_format: str
) -> None:
    with Session(engine) as session, session.begin():
        session.add(
            AnalystQuery(
                analyst=analyst,
                queried_at=datetime.now(UTC),
                command=command,
                filters=filters,
                row_count=row_count,
                output_format=output_format,
            )
        )
