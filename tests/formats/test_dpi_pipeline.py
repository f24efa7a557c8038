"""DPI files through `exchange process`: the real packet, pipeline, store (SQLite and PostgreSQL), the
analysts' views, and the answer the sender opens."""

from __future__ import annotations

import json
from decimal import Decimal

from sqlalchemy import create_engine, text

from exchange.cli.main import main
from exchange.writers.dpi import dpi_bytes
from tests.formats.dpi_documents import dpi_document, header, individual_seller, operator
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


def test_dpi_corrections_and_deletions_chain_across_files(belgium: Receiver, db_url: str) -> None:
    first = dpi_document()
    assert process(belgium, seal_as(belgium, first, "DPI"))[1]["outcome"] == "accepted"
    resent = operator("NL2025-PO-1", "OECD0")
    correction = individual_seller("NL2025-RS-1c", "OECD2", "NL2025-RS-1", rent=20000)
    second = dpi_document(correction, head=header("NL2025BE-DPI-0002", "DPI402"), platform=resent)
    exit_code, result = process(belgium, seal_as(belgium, second, "DPI"))
    assert (exit_code, result["outcome"]) == (0, "accepted"), result
    unknown = individual_seller("NL2025-RS-1d", "OECD2", "NL2025-RS-404")
    third = dpi_document(unknown, head=header("NL2025BE-DPI-0003", "DPI402"), platform=resent)
    _, result = process(belgium, seal_as(belgium, third, "DPI"))
    assert result["outcome"] == "accepted_with_errors", result
    assert 80002 in {finding["code"] for finding in result["findings"]}, result
    lone = operator("NL2025-PO-1d", "OECD3", "NL2025-PO-1")
    fourth = dpi_bytes(header("NL2025BE-DPI-0004", "DPI402"), lone, [])
    _, result = process(belgium, seal_as(belgium, fourth, "DPI"))
    assert 80009 in {finding["code"] for finding in result["findings"]}, result
    engine = create_engine(db_url)
    with engine.connect() as connection:
        rents = connection.execute(
            text(
                "SELECT doc_ref_id, sum(consideration) FROM dpi_seller_activities "
                "WHERE activity = 'immovable_property' GROUP BY doc_ref_id"
            )
        ).all()
    engine.dispose()
    assert [(row[0], Decimal(str(row[1]))) for row in rents] == [("NL2025-RS-1c", Decimal(20000))]


def test_files_lists_a_dpi_file_and_shows_its_story(belgium: Receiver) -> None:
    _, result = process(belgium, seal_as(belgium, dpi_document(), "DPI"))
    belgium.capsys.readouterr()
    assert main(["files", "list", "--json"]) == 0
    (listed,) = json.loads(belgium.capsys.readouterr().out)
    assert (listed["message_ref_id"], listed["outcome"], listed["records_stored"]) == (
        "NL2025BE-DPI-0001",
        "accepted",
        3,
    )
    assert main(["files", "show", "--json", str(result["file_id"])]) == 0
    story = json.loads(belgium.capsys.readouterr().out)
    assert (story["communication_type"], story["codes"]) == ("DPI", [])
