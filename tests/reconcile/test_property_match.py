"""Property listings against declared properties, on SQLite and PostgreSQL: by land registration
number before address, the seller's own declaration preferred among several, candidates when several
others agree, and the match keys as a listing and a return write the same property."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import Engine

from exchange.reconcile.decisions import DecisionKind
from exchange.reconcile.properties import Declaration, Listing, decide
from exchange.reconcile.property_keys import address_key, free_text_address_key, land_key
from exchange.records import PartyKind
from exchange.registry.data import DeclaredPropertyData, TaxpayerData, TaxReturnData
from exchange.registry.load import load_population
from exchange.registry.synthetic.population import Population
from exchange.registry.upsert import taxpayer_ids

PEOPLE = ("85073003328", "01490700185", "98472899765")


def test_the_keys_of_a_listing_and_a_declaration_agree() -> None:
    assert land_key("ASD01 K-1234") == land_key("asd01k1234") == "ASD01K1234"
    assert land_key(" - ") is None
    declared = address_key("NL", "Prinsengracht", "9", "Amsterdam")
    assert (
        declared == address_key("NL", "Prinsengracht 9", None, "AMSTERDAM") == "NL|amsterdam|prinsengracht|9"
    )
    assert free_text_address_key("NL", "Prinsengracht 9, 1015 DV Amsterdam") == declared
    assert address_key("NL", "Prinsengracht", None, "Amsterdam") is None  # no number: no address key


def _registry(engine: Engine) -> dict[str, int]:
    population = Population("BE", 2025, 0)
    for index, national_id in enumerate(PEOPLE):
        population.taxpayers.append(
            TaxpayerData(national_id, PartyKind.INDIVIDUAL, "BE", "A", f"B{index}", None, date(1985, 7, 30))
        )
        population.returns.append(TaxReturnData(national_id, 2025, Decimal(30000)))
    shared = ("Amsterdam", Decimal(5000))
    population.declared_properties += [
        DeclaredPropertyData(PEOPLE[0], 2025, 1, *shared, "NL", "Prinsengracht", "9", None, "ASD01-K-1"),
        DeclaredPropertyData(PEOPLE[1], 2025, 1, *shared, "NL", "Prinsengracht", "9", None, "ASD01-K-1"),
        DeclaredPropertyData(PEOPLE[2], 2025, 1, *shared, "NL", "Keizersgracht", "2", None, None),
        DeclaredPropertyData(PEOPLE[1], 2025, 2, *shared, "NL", "Keizersgracht", "2", None, None),
    ]
    assert all(not report.rejected for report in load_population(engine, population))
    with engine.connect() as connection:
        ids = taxpayer_ids(connection, [("BE", national_id) for national_id in PEOPLE])
    return {national_id: ids[("BE", national_id)] for national_id in PEOPLE}


def test_listings_are_decided_by_number_then_address(db_engine: Engine) -> None:
    ids = _registry(db_engine)
    jan, lien, third = (ids[p] for p in PEOPLE)
    number, keizersgracht = land_key("ASD01-K-1"), address_key("NL", "Keizersgracht 2", None, "Amsterdam")
    listings = [
        Listing(1, 0, 2025, lien, number, None),  # two declare it; one of them is the seller
        Listing(2, 0, 2025, None, number, None),  # two declare it, the seller is neither: candidates
        Listing(3, 0, 2025, third, "XX9", keizersgracht),  # the number finds nothing; the address does
        Listing(4, 0, 2024, jan, number, None),  # another year's return
        Listing(5, 0, 2025, None, None, address_key("NL", "Damrak 1", None, "Amsterdam")),
    ]
    with db_engine.connect() as connection:
        decisions = decide(connection, listings)
    assert [(d.kind, d.method, d.declaration, d.agreeing) for d in decisions] == [
        (DecisionKind.MATCH, "land_registration", Declaration(lien, 2025, 1), 2),
        (DecisionKind.CANDIDATES, "land_registration", None, 2),
        (DecisionKind.MATCH, "address", Declaration(third, 2025, 1), 2),
        (DecisionKind.NO_MATCH, "none", None, 0),
        (DecisionKind.NO_MATCH, "none", None, 0),
    ]
