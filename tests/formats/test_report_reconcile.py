"""DPI sellers and CbC constituent entities matched to the registries through `exchange process`, on
SQLite and PostgreSQL: individual sellers to taxpayers by the CRS matcher (TIN, then linkage), entity
sellers and constituent entities to the company registry (number, then name and address)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, text

from exchange.cli.main import main
from exchange.records import Address, Name
from tests.formats.cbc_documents import cbc_document
from tests.formats.cbc_documents import header as cbc_header
from tests.formats.dpi_documents import dpi_document, entity_seller, individual_seller
from tests.formats.packets import process, seal_as
from tests.formats.registry import load_registry
from tests.validation.packets import Receiver

COMPANIES = [
    ["enterprise_number", "name", "post_code", "city"],
    ["0403019261", "Lux Belgium NV", "1000", "Bruxelles"],
    ["0403170701", "Schoonmaak Brussel SRL", "1000", "Bruxelles"],
]


def _registry(engine: Engine, tmp_path: Path, companies: bool = True) -> None:
    load_registry(engine, tmp_path, COMPANIES if companies else None)


def _rows(engine: Engine, query: str) -> list[Any]:
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(text(query))]


def _entity_seller(doc_ref_id: str, name: str, vat: str | None, address: str) -> Any:
    seller = entity_seller(doc_ref_id)
    identity = seller.identity
    assert identity is not None
    return replace(
        seller,
        vat=vat,
        identity=replace(
            identity, names=(Name(full=name),), tins=(), addresses=(Address(country_code="BE", free=address),)
        ),
    )


def test_dpi_sellers_are_matched_to_taxpayers_and_companies(
    belgium: Receiver, db_url: str, tmp_path: Path
) -> None:
    engine = create_engine(db_url)
    _registry(engine, tmp_path)
    by_tin = individual_seller("NL2025-RS-1")
    person = by_tin.identity
    assert person is not None
    # The same person without a TIN: found by linkage on name, birth date and address.
    no_tin = replace(
        by_tin, doc_spec=replace(by_tin.doc_spec, doc_ref_id="NL2025-RS-3"), identity=replace(person, tins=())
    )
    sellers = (
        by_tin,
        no_tin,
        _entity_seller("NL2025-RS-4", "Whatever Name BV", "BE0403019261", "Elders 1, 3000 Leuven"),  # by VAT
        _entity_seller("NL2025-RS-5", "Schoonmaak Brussel", None, "Rue Haute 5, 1000 Bruxelles"),  # by name
        _entity_seller("NL2025-RS-6", "Schoonmaak Brussel", None, "Markt 1, 8000 Brugge"),  # name, elsewhere
        _entity_seller("NL2025-RS-7", "Nobody Known BV", None, "Rue Haute 5, 1000 Bruxelles"),
    )
    exit_code, result = process(belgium, seal_as(belgium, dpi_document(*sellers), "DPI"))
    assert (exit_code, result["outcome"]) == (0, "accepted"), result
    people = _rows(
        engine,
        "SELECT d.doc_ref_id, m.decision, m.method, t.national_id FROM dpi_seller_match m "
        "JOIN dpi_seller s ON s.id = m.seller_id JOIN doc_record d ON d.id = s.doc_record_id "
        "LEFT JOIN taxpayer t ON t.id = m.taxpayer_id ORDER BY d.doc_ref_id",
    )
    assert people == [
        ("NL2025-RS-1", "match", "tin", "85073003328"),
        ("NL2025-RS-3", "match", "linkage", "85073003328"),
    ]
    entities = _rows(
        engine,
        "SELECT d.doc_ref_id, m.decision, m.method, c.enterprise_number FROM company_match m "
        "JOIN dpi_seller s ON s.id = m.source_id AND m.source = 'dpi_seller' "
        "JOIN doc_record d ON d.id = s.doc_record_id LEFT JOIN company c ON c.id = m.company_id "
        "ORDER BY d.doc_ref_id",
    )
    engine.dispose()
    assert entities == [
        ("NL2025-RS-4", "match", "number", "0403019261"),
        ("NL2025-RS-5", "match", "name", "0403170701"),
        ("NL2025-RS-6", "no_match", "none", None),
        ("NL2025-RS-7", "no_match", "none", None),
    ]


def test_cbc_constituent_entities_are_matched_to_companies(
    belgium: Receiver, db_url: str, tmp_path: Path
) -> None:
    engine = create_engine(db_url)
    _registry(engine, tmp_path)
    exit_code, result = process(belgium, seal_as(belgium, cbc_document(head=cbc_header()), "CBC", "LU"))
    assert exit_code == 0, result
    matches = _rows(
        engine,
        "SELECT r.res_country_code, m.decision, m.method, c.enterprise_number FROM company_match m "
        "JOIN cbc_report r ON r.id = m.source_id AND m.source = 'cbc_entity' "
        "LEFT JOIN company c ON c.id = m.company_id ORDER BY r.res_country_code",
    )
    engine.dispose()
    assert matches == [("BE", "match", "number", "0403019261"), ("LU", "no_match", "none", None)]


def test_without_a_company_registry_entities_await_it(belgium: Receiver, db_url: str, tmp_path: Path) -> None:
    engine = create_engine(db_url)
    _registry(engine, tmp_path, companies=False)
    exit_code, result = process(belgium, seal_as(belgium, dpi_document(), "DPI"))
    assert exit_code == 0, result
    decisions = _rows(engine, "SELECT decision FROM company_match")
    sellers = _rows(engine, "SELECT decision FROM dpi_seller_match")
    engine.dispose()
    assert decisions == [("awaiting",)]
    assert sellers == [("match",)]


def test_without_any_registry_sellers_await_it(belgium: Receiver, db_url: str) -> None:
    exit_code, result = process(belgium, seal_as(belgium, dpi_document(), "DPI"))
    assert exit_code == 0, result
    engine = create_engine(db_url)
    sellers = _rows(engine, "SELECT decision, method FROM dpi_seller_match")
    engine.dispose()
    assert sellers == [("awaiting", "none")]


def test_exchange_reconcile_decides_sellers_that_awaited_the_registry(
    belgium: Receiver, db_url: str, tmp_path: Path
) -> None:
    exit_code, result = process(belgium, seal_as(belgium, dpi_document(), "DPI"))
    assert exit_code == 0, result
    engine = create_engine(db_url)
    _registry(engine, tmp_path)
    belgium.capsys.readouterr()
    assert main(["reconcile", "--json"]) == 0
    summary = json.loads(belgium.capsys.readouterr().out)
    assert summary["sellers"] == {"match": 1} and summary["companies"] == {"match": 1}  # by its number
    assert _rows(engine, "SELECT decision, method FROM dpi_seller_match") == [("match", "tin")]
    engine.dispose()
