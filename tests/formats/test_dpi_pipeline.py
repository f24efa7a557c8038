"""DPI files through `exchange process`: the real packet, pipeline, store (SQLite and PostgreSQL), the
analysts' views, and the answer the sender opens."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import create_engine, text

from tests.formats.dpi_documents import dpi_document
from tests.formats.packets import opened_answer, process, seal_as
from tests.validation.packets import Receiver


def test_a_dpi_file_is_accepted_and_its_report_is_in_the_views(belgium: Receiver, db_url: str) -> None:
    exit_code, result = process(belgium, seal_as(belgium, dpi_document(), "DPI"))
    assert exit_code == 0, result
    assert result["outcome"] == "accepted", result
    kind, _ = opened_answer(result, belgium.benelux["NL"])
    assert kind == "DPIStatus"
    engine = create_engine(db_url)
    with engine.connect() as connection:
        sellers = connection.execute(
            text(
                "SELECT kind, first_name, last_name, full_name, tin, birth_date FROM dpi_sellers "
                "ORDER BY seller_id"
            )
        ).all()
        rents = connection.execute(
            text(
                "SELECT sum(consideration), sum(activities) FROM dpi_seller_activities "
                "WHERE activity = 'immovable_property'"
            )
        ).one()
        listing = connection.execute(
            text("SELECT land_registration_number, rented_days, consideration FROM dpi_property_listings")
        ).one()
        operator = connection.execute(text("SELECT name, vat, nexus FROM dpi_platform_operators")).one()
    engine.dispose()
    assert [row[:4] for row in sellers] == [
        ("individual", "Jan", "Peeters", None),
        ("organisation", None, None, "Schoonmaak BV"),
    ]
    assert sellers[0][4] == "85073003328" and str(sellers[0][5]) == "1985-07-30"
    assert (Decimal(str(rents[0])), rents[1]) == (Decimal(12000), 14)
    assert (listing[0], listing[1], Decimal(str(listing[2]))) == ("ASD01-K-1234", 61, Decimal(12000))
    assert tuple(operator) == ("Huurplatform B.V.", "NL123456789B01", "RPONEX1")
