"""The DPI business rules, each positive and negative, on records as the extractor gives them; and the
shared message and DocSpec rules applied to DPI."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import date
from typing import Any

import pytest

from exchange.records import TIN, DocSpec, MessageHeader, PartyKind, Record, ReportableSeller
from exchange.validation.findings import Finding
from exchange.validation.rules import ReceiverProfile, RuleEngine
from exchange.validation.rules.registry import RULES
from tests.formats.dpi_documents import entity_seller, header, individual_seller, operator

TODAY = date(2026, 12, 3)


def codes(records: Iterable[Record], head: MessageHeader | None = None) -> list[int]:
    items = RuleEngine().run(head or header(), list(records), receiver=ReceiverProfile("BE"), today=TODAY)
    return sorted(item.code for item in items if isinstance(item, Finding))


def with_listing(seller: ReportableSeller, **changes: Any) -> ReportableSeller:
    (listing,) = seller.listings
    return replace(seller, listings=(replace(listing, **changes),))


def test_a_well_formed_dpi_report_has_no_finding() -> None:
    assert codes([operator(), individual_seller(), entity_seller()]) == []


def test_every_dpi_rule_is_declared_for_dpi_with_a_sentence() -> None:
    dpi_rules = [rule for rule in RULES if ("dpi", "1.0") in rule.formats]
    assert {98101, 98102, 98103, 98104, 98105, 98106, 98107} <= {rule.code for rule in dpi_rules}
    assert {50004, 50008, 50009, 50012, 80000, 80001, 80002, 80006, 80009, 80010} <= {
        r.code for r in dpi_rules
    }
    assert all(rule.rule and rule.reference for rule in dpi_rules)


def test_98101_an_empty_tin_must_be_marked_unknown() -> None:
    seller = individual_seller()
    assert seller.identity is not None
    blank = replace(seller, identity=replace(seller.identity, tins=(TIN(""),)))
    marked = replace(seller, identity=replace(seller.identity, tins=(TIN("", unknown=True),)))
    assert codes([operator(), blank]) == [98101]
    assert codes([operator(), marked]) == []
    assert codes([replace(operator(), ins=(TIN(""),))]) == [98101]


def test_98102_an_entity_seller_gives_no_nexus_nor_assumed_reporting() -> None:
    assert codes([operator(), replace(entity_seller(), nexus="RPONEX1")]) == [98102]
    assert codes([operator(), replace(entity_seller(), assumed_reporting=False)]) == [98102]
    assert codes([operator(), entity_seller()]) == []


def test_98103_other_property_type_only_with_dpi910() -> None:
    assert codes([operator(), with_listing(individual_seller(), other_property_type="Houseboat")]) == [98103]
    good = with_listing(individual_seller(), property_type="DPI910", other_property_type="Houseboat")
    assert codes([operator(), good]) == []


def test_98104_a_nil_report_has_no_seller() -> None:
    nil = header(indic="DPI403")
    assert codes([operator(), individual_seller()], nil) == [98104]
    assert codes([operator()], nil) == []


@pytest.mark.parametrize(("days", "found"), [(365, []), (366, [98105])])
def test_98105_rented_days_within_the_reporting_year(days: int, found: list[int]) -> None:
    assert codes([operator(), with_listing(individual_seller(), rented_days=days)]) == found  # 2025: 365 days


def test_98106_a_seller_birth_date_in_range() -> None:
    seller = individual_seller()
    assert seller.identity is not None
    old = replace(seller, identity=replace(seller.identity, birth_date=date(1899, 12, 31)))
    assert codes([operator(), old]) == [98106]
    entity = replace(entity_seller(), kind=PartyKind.ORGANISATION)
    assert codes([operator(), entity]) == []


def test_98107_the_operator_says_whether_its_reporting_was_assumed() -> None:
    assert codes([replace(operator(), assumed_reporting=None)]) == [98107]
    assert codes([replace(operator(), assumed_reporting=True)]) == []


def test_shared_rules_apply_to_dpi() -> None:
    assert codes([operator()], header(message_ref_id="XX2025BE-1")) == [50008]
    assert codes([operator()], replace(header(message_ref_id="NL2025FR-1"), receiving_country="FR")) == [
        50012
    ]
    foreign = replace(individual_seller(), doc_spec=DocSpec("OECD1", "LU2025-RS-9"))
    assert codes([operator(), foreign]) == [80001]
    corrected = replace(individual_seller(), doc_spec=DocSpec("OECD2", "NL2025-RS-1b", "NL2025-RS-1"))
    assert codes([operator(), individual_seller(doc_ref_id="NL2025-RS-3"), corrected]) == [80010]
    with_corr_message = replace(individual_seller(), doc_spec=DocSpec("OECD1", "NL2025-RS-1", None, "NL-1"))
    assert codes([operator(), with_corr_message]) == [80006]
    twice: list[Record] = [operator(), individual_seller(), individual_seller()]
    assert codes(twice) == [80000]
