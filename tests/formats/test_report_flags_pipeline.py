"""The DPI and CbC flags through `exchange process` on SQLite and PostgreSQL: files from NL and LU about
one benefit recipient raise PF02 and PF04 once both are in, and a correction retracts PF04; a CbC file
raises CB01, CB02 and CB03; the study table counts them, small cells suppressed."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Engine, create_engine, select, text
from sqlalchemy.orm import Session

from exchange.anomalies.models import Flag
from exchange.anomalies.study import study_table
from tests.formats.cbc_documents import cbc_document, report, summary
from tests.formats.dpi_documents import dpi_document, header, individual_seller, operator
from tests.formats.packets import process, seal_as
from tests.formats.registry import load_registry
from tests.validation.packets import Receiver


def _registry(engine: Engine, tmp_path: Path) -> None:
    load_registry(
        engine, tmp_path, [["enterprise_number", "name"], ["0403170701", "Andere Firma NV"]], benefit=True
    )


def _flags(engine: Engine) -> dict[str, str]:
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT code, state FROM flag WHERE code LIKE 'PF%' OR code LIKE 'CB%'")
        )
        return {code: state for code, state in rows}


def test_platform_flags_follow_the_files_of_both_senders(
    belgium: Receiver, db_url: str, tmp_path: Path
) -> None:
    engine = create_engine(db_url)
    _registry(engine, tmp_path)
    # NL: 6,000 of rent and 1,250 of transport; LU: 4,000 and 1,250. Each under 10,000, together over.
    nl = dpi_document(individual_seller(rent=6000), head=header())
    assert process(belgium, seal_as(belgium, nl, "DPI"))[1]["outcome"] == "accepted"
    assert _flags(engine) == {"PF02": "raised"}  # 7,250 in the benefit's year; one platform so far
    lu_seller = individual_seller("LU2025-RS-1", rent=4000)
    lu = dpi_document(
        lu_seller, head=header("LU2025BE-DPI-0001", sender="LU"), platform=operator("LU2025-PO-1")
    )
    exit_code, result = process(belgium, seal_as(belgium, lu, "DPI", "LU"))
    assert (exit_code, result["outcome"]) == (0, "accepted"), result
    assert _flags(engine) == {"PF02": "raised", "PF04": "raised"}
    # LU corrects its figures: 400 of rent. Together 8,900: PF04 is retracted, PF02 stays.
    corrected = individual_seller("LU2025-RS-1c", "OECD2", "LU2025-RS-1", rent=400)
    again = dpi_document(
        corrected,
        head=header("LU2025BE-DPI-0002", "DPI402", sender="LU"),
        platform=operator("LU2025-PO-1", "OECD0"),
    )
    exit_code, result = process(belgium, seal_as(belgium, again, "DPI", "LU"))
    assert (exit_code, result["outcome"]) == (0, "accepted"), result
    assert _flags(engine) == {"PF02": "raised", "PF04": "retracted"}
    with engine.connect() as connection:
        amount = connection.execute(select(Flag.amount).where(Flag.code == "PF02")).scalar_one()
    assert amount == Decimal("8900.00")
    with Session(engine) as session:
        cells = {row["code"]: row for row in study_table(session, min_subjects=5)}
    engine.dispose()
    assert cells["PF02"]["suppressed"] and cells["PF02"]["flags"] is None  # one taxpayer: a small cell


def test_cbc_flags_for_the_group(belgium: Receiver, db_url: str, tmp_path: Path) -> None:
    engine = create_engine(db_url)
    _registry(engine, tmp_path)
    # LU books 20 million with 5 employees; BE 1 million with 40; LU accrues 900k of tax and pays 100k.
    luxembourg = replace(
        report("LU", "LU2025-CR-LU"),
        summary=replace(
            summary(profit=20_000_000, employees=5), tax_paid=Decimal(100_000), tax_accrued=Decimal(900_000)
        ),
    )
    exit_code, result = process(
        belgium, seal_as(belgium, cbc_document(report("BE"), luxembourg), "CBC", "LU")
    )
    assert exit_code == 0, result
    with engine.connect() as connection:
        flags = sorted(
            (
                tuple(row)
                for row in connection.execute(
                    text("SELECT code, evidence FROM flag WHERE state = 'raised' AND code LIKE 'CB%'")
                )
            ),
            key=lambda row: str(row[0]),
        )
    engine.dispose()
    codes = [code for code, _ in flags]
    assert codes == ["CB01", "CB02", "CB02", "CB03"], flags  # BE's entity unknown; LU per employee and asset
    assert all("LU" in str(evidence) or "Lux Belgium" in str(evidence) for _, evidence in flags)
