"""`exchange demo` with DPI and CbC files beside the CRS ones: NL and LU platforms' sellers, a malformed
DPI file, a Dutch correction, one CbC report; the summary counts them as the store holds them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from exchange import db
from exchange.anomalies.models import Flag
from exchange.store.models import DocRecord

pytestmark = pytest.mark.slow


def test_the_summary_counts_the_dpi_and_cbc_files(demo: tuple[dict[str, Any], Path]) -> None:
    summary, _ = demo
    assert summary["formats"]["dpi"] == 4 and summary["formats"]["cbc"] == 1
    platform = [f for f in summary["files"] if f["format"] in ("dpi", "cbc")]
    outcomes = {f["sent"]: (f["outcome"], f["answer"]) for f in platform}
    assert outcomes["Huurplatform B.V.: malformed DPI file"] == ("rejected", "Rejected")
    assert outcomes["Huurplatform B.V.: DPI correction"] == ("accepted", "Accepted")
    assert outcomes["Groupe Lux Holding S.A.: CbC report"] == ("accepted", "Accepted")
    assert all(f["round"] == 2 for f in platform if "correction" in f["sent"])
    assert summary["as_planned"] == summary["files_sent"]


def test_sellers_and_entities_are_reconciled(demo: tuple[dict[str, Any], Path]) -> None:
    matching = demo[0]["platforms_and_groups"]
    assert matching["sellers"].get("match", 0) >= 12  # the sellers are people of the registry
    assert matching["companies"]["cbc_entity:match"] == 1  # the group's Belgian company
    assert matching["companies"]["cbc_entity:no_match"] >= 1  # the entity the registry does not know


def test_the_platform_and_group_flags_are_raised(demo: tuple[dict[str, Any], Path]) -> None:
    summary, directory = demo
    by_code = summary["flags"]["by_code"]
    for code in ("PF02", "PF04", "CB01", "CB02", "CB03"):
        assert by_code.get(code, {}).get("raised", 0) >= 1, code
    engine = db.create_db_engine(f"sqlite:///{directory / 'exchange.db'}")
    try:
        with Session(engine) as session:
            superseded = session.scalar(
                select(DocRecord.doc_ref_id).where(
                    DocRecord.doc_ref_id == "NL2025-RS-1", DocRecord.state == "superseded"
                )
            )
            group = session.scalars(select(Flag.sender).where(Flag.code == "CB02")).all()
    finally:
        engine.dispose()
    assert superseded == "NL2025-RS-1"  # the Dutch correction replaced the seller's first version
    assert set(group) == {"LU"}
