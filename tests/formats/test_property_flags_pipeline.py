"""Property listings matched to declared properties, and PF01 and PF03, through `exchange process` on
SQLite and PostgreSQL: a listing found by its land registration number, one by its address, one not
declared at all; the flags fire on what the return does not explain and keep quiet on what it does,
and the study table counts them with small cells suppressed."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, select, text
from sqlalchemy.orm import Session

from exchange.anomalies.models import Flag
from exchange.anomalies.study import study_table
from exchange.records import Address, AddressFix
from exchange.registry.data import DeclaredIncomeData, DeclaredPropertyData
from tests.formats.dpi_documents import dpi_document, header, individual_seller, operator
from tests.formats.packets import process, seal_as
from tests.formats.registry import PEETERS, load_registry
from tests.validation.packets import Receiver


def _declared(rent: int, days: int, number: str | None) -> DeclaredPropertyData:
    return DeclaredPropertyData(
        PEETERS,
        2025,
        1,
        "Amsterdam",
        Decimal(rent),
        country_code="NL",
        street="Prinsengracht",
        house_number="9",
        land_registration_number=number,
        rented_days=days,
    )


def _rows(engine: Engine, query: str) -> list[tuple[Any, ...]]:
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(text(query))]


def _flags(engine: Engine) -> dict[tuple[str, str], Flag]:
    with Session(engine) as session:
        flags = session.scalars(select(Flag).where(Flag.code.in_(("PF01", "PF03")))).all()
        session.expunge_all()
    return {(flag.code, flag.state): flag for flag in flags}


def test_a_listing_let_for_more_than_declared(belgium: Receiver, db_url: str, tmp_path: Path) -> None:
    engine = create_engine(db_url)
    # Declared: the flat (by its number, written otherwise) for 4,000 and 40 days; the transport in full.
    transport = DeclaredIncomeData(PEETERS, 2025, "transportation_rental", Decimal(1250))
    load_registry(
        engine,
        tmp_path,
        None,
        tax_return=True,
        properties=(_declared(4000, 40, "ASD 01 K 1234"),),
        income=(transport,),
    )
    # The platform: 12,000 for 61 days, and 1,250 of transport.
    result = process(belgium, seal_as(belgium, dpi_document(individual_seller(rent=12000)), "DPI"))[1]
    assert result["outcome"] == "accepted"
    assert _rows(engine, "SELECT decision, method, line, candidates FROM property_match") == [
        ("match", "land_registration", 1, 1)
    ]
    view = "SELECT declarant_national_id, declared_rental_income, declared_by_seller, consideration"
    [(declarant, rent, own, paid)] = _rows(engine, f"{view} FROM dpi_listing_declarations")
    assert (declarant, Decimal(str(rent)), own, Decimal(str(paid))) == (
        PEETERS,
        Decimal(4000),
        1,
        Decimal(12000),
    )
    flags = _flags(engine)
    assert set(flags) == {("PF01", "raised"), ("PF03", "raised")}
    pf01, pf03 = flags[("PF01", "raised")], flags[("PF03", "raised")]
    assert pf01.evidence["activity"] == "immovable_property"  # transport is declared in full
    assert (pf01.evidence["declared"], pf01.amount) == ("4000.00", Decimal("8000.00"))
    assert pf03.evidence["reasons"] == ["more_days", "more_money"]
    assert (pf03.evidence["declared_by"], pf03.evidence["rented_days"]) == ("the seller", 61)
    with Session(engine) as session:
        cells = {row["code"]: row for row in study_table(session, min_subjects=5)}
    engine.dispose()
    assert cells["PF01"]["suppressed"] and cells["PF03"]["flags"] is None  # one taxpayer: small cells


def test_what_the_return_explains_is_quiet_and_an_undeclared_listing_is_not(
    belgium: Receiver, db_url: str, tmp_path: Path
) -> None:
    engine = create_engine(db_url)
    # Declared without its number, found by address: 11,000 for 60 days explains 12,000 for 61.
    declared = (
        DeclaredIncomeData(PEETERS, 2025, "immovable_property", Decimal(11000)),
        DeclaredIncomeData(PEETERS, 2025, "transportation_rental", Decimal(1250)),
    )
    load_registry(
        engine, tmp_path, None, tax_return=True, properties=(_declared(11000, 60, None),), income=declared
    )
    nl = dpi_document(individual_seller(rent=12000))
    assert process(belgium, seal_as(belgium, nl, "DPI"))[1]["outcome"] == "accepted"
    assert _rows(engine, "SELECT decision, method FROM property_match") == [("match", "address")]
    assert not _flags(engine)
    # LU reports a house in Vianden the return does not mention: PF03, not declared at all.
    seller = individual_seller("LU2025-RS-1", rent=1200)
    listing = replace(
        seller.listings[0],
        address=Address(country_code="LU", fix=AddressFix(city="Vianden", street="Grand-Rue 12")),
        land_registration_number="587/9662",
    )
    lu = dpi_document(
        replace(seller, listings=(listing,), activities=()),
        head=header("LU2025BE-DPI-0001", sender="LU"),
        platform=operator("LU2025-PO-1"),
    )
    assert process(belgium, seal_as(belgium, lu, "DPI", "LU"))[1]["outcome"] == "accepted"
    decisions = _rows(engine, "SELECT decision, method FROM property_match ORDER BY seller_id")
    assert decisions == [("match", "address"), ("no_match", "none")]
    flags = _flags(engine)
    engine.dispose()
    assert set(flags) == {("PF03", "raised")}  # 13,200 against 11,000 declared: a gap under 20%, no PF01
    pf03 = flags[("PF03", "raised")]
    assert (pf03.evidence["reasons"], pf03.sender, pf03.amount) == (
        ["not_declared"],
        "LU",
        Decimal("1200.00"),
    )
    assert pf03.evidence["property"] == "587/9662"
