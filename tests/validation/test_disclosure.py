"""Findings name the element and the kind of problem, never a person's value: schema errors on every
element that can hold personal data, the same through a packet (stored findings, the status message),
while code-list values stay quoted for the sender's benefit."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from lxml import etree

from exchange.records import Address, AddressFix, Name
from exchange.validation import disclosure
from exchange.validation.findings import Finding
from exchange.validation.schema import validate
from exchange.writers.crs import crs_bytes
from tests.rules import builders
from tests.validation.packets import Receiver

LONG = "Vandersteen-Qx7 " * 300  # longer than any string the schemas allow (AddressFree: 4000)
# Every element of the document that holds a person's (or an account's) data, with values the schema
# refuses in the ways files get them wrong.
PERSONAL: dict[str, tuple[str, ...]] = {
    **{
        name: (LONG,)
        for name in (
            "PrecedingTitle",
            "Title",
            "FirstName",
            "MiddleName",
            "NamePrefix",
            "LastName",
            "GenerationIdentifier",
            "Suffix",
            "GeneralSuffix",
            "TIN",
            "IN",
            "Name",
            "Street",
            "BuildingIdentifier",
            "SuiteIdentifier",
            "FloorIdentifier",
            "DistrictName",
            "POB",
            "PostCode",
            "City",
            "CountrySubentity",
            "AddressFree",
            "AccountNumber",
        )
    },
    "BirthDate": ("1963-11-31", "17/05/1980", "1980-05-17T00:00:00"),
    "AccountBalance": ("1500.123", "1,500.00", "1500 EUR"),
    "PaymentAmnt": ("12.505", "twelve"),
}
CODES = {"DocTypeIndic": "OECD9", "ResCountryCode": "XX", "MessageTypeIndic": "CRS709"}


def rich_document() -> bytes:
    """The rule tests' valid file, its holder given every part of a name and an address."""
    name = Name(
        first="Jan",
        middle=("Karel",),
        last="Peeters",
        name_prefix="van",
        preceding_title="Dr.",
        titles=("Ir.",),
        generation_identifiers=("Jr.",),
        suffixes=("PhD",),
        general_suffix="Sr.",
        name_type="OECD202",
    )
    fix = AddressFix(
        city="Brussel",
        street="Wetstraat",
        building_identifier="16",
        suite_identifier="A",
        floor_identifier="3",
        district_name="Centrum",
        pob="123",
        post_code="1000",
        country_subentity="Brussels",
    )
    holder = replace(
        builders.person(), names=(name,), addresses=(Address("BE", free="Wetstraat 16", fix=fix),)
    )
    report = builders.account_report(holder=holder)
    return crs_bytes(builders.header(), builders.reporting_fi(), (report,))


def with_value(document: bytes, element: str, value: str) -> bytes:
    root = etree.fromstring(document)
    target = next(node for node in root.iter(f"{{*}}{element}") if node.text)
    target.text = value
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def shown(finding: Finding) -> str:
    return " ".join((finding.message, finding.details(), *finding.field_paths, finding.path or ""))


def test_the_document_holds_every_personal_element() -> None:
    root = etree.fromstring(rich_document())
    present = {etree.QName(node).localname for node in root.iter() if isinstance(node.tag, str)}
    assert set(PERSONAL) <= present
    assert validate(rich_document()).valid


@pytest.mark.parametrize(
    ("element", "value"), [(element, value) for element, values in PERSONAL.items() for value in values]
)
def test_a_schema_error_names_the_element_not_the_value(element: str, value: str) -> None:
    report = validate(with_value(rich_document(), element, value))
    assert report.findings, "the corpus must break the schema"
    for finding in report.findings:
        assert value.strip()[:12] not in shown(finding), finding
        assert "Qx7" not in shown(finding)
    assert any(f"'{element}'" in finding.message for finding in report.findings)


@pytest.mark.parametrize(("element", "value"), CODES.items())
def test_a_wrong_code_is_quoted(element: str, value: str) -> None:
    report = validate(with_value(rich_document(), element, value))
    assert any(f"'{value}'" in finding.message for finding in report.findings)


def test_a_wrong_currency_code_is_quoted() -> None:
    document = rich_document().replace(b'currCode="EUR">1500.00', b'currCode="EURO">1500.00')
    assert any("'EURO'" in finding.message for finding in validate(document).findings)


@pytest.mark.parametrize(
    "message",
    [
        "Element 'LastName': 'O'Brien' is not a valid value of the atomic type 'xs:string'.",
        "Element 'City': [facet 'maxLength'] The value 'Gent' is not accepted by the pattern 'x' has a "
        "length of '210'; this exceeds the allowed maximum length of '200'.",
        "Element 'TIN': [facet 'pattern'] The value '85073003328' is not accepted by the pattern '[A-Z]+'.",
        "Element 'TIN': [facet 'unknown'] The value '85073003328' is odd.",
        "Element 'BirthDate': The value '85073003328' does not match the fixed value constraint 'x'.",
        "Element 'AccountReport': Duplicate key-sequence ['85073003328'] in unique identity-constraint 'u'.",
        "Element 'Name', attribute 'xnlNameType': '85073003328' is not a valid value of the atomic type 'x'.",
    ],
)
def test_every_form_that_quotes_a_value_loses_it(message: str) -> None:
    safe = disclosure.schema_message(message)
    assert "85073003328" not in safe and "Brien" not in safe and "Gent" not in safe
    assert safe.startswith("Element '")


def test_the_kind_of_problem_stays() -> None:
    assert (
        disclosure.schema_message(
            "Element 'BirthDate': '1963-11-31' is not a valid value of the atomic type 'xs:date'."
        )
        == "Element 'BirthDate': its value is not a valid value of the atomic type 'xs:date'."
    )
    assert disclosure.schema_message(
        "Element 'LastName': [facet 'maxLength'] The value 'x' has a length of '201'; this exceeds the "
        "allowed maximum length of '200'."
    ) == (
        "Element 'LastName': [facet 'maxLength'] its value has a length of '201'; this exceeds the allowed "
        "maximum length of '200'."
    )
    structural = "Element 'FirstName': This element is not expected. Expected is ( LastName )."
    assert disclosure.schema_message(structural) == structural
    (too_long,) = validate(with_value(rich_document(), "LastName", LONG)).findings
    assert "exceeds the allowed maximum length of '200'" in too_long.message


def test_a_rejected_packet_keeps_no_personal_value(belgium: Receiver, tmp_path: Path) -> None:
    document = with_value(rich_document(), "BirthDate", "1963-11-31")
    exit_code, result = belgium.process(belgium.seal(document, sender="LU"))
    assert (exit_code, result["rejection_code"]) == (1, 50007)
    assert "1963-11-31" not in str(result["findings"])  # the findings as the store keeps them
    message = belgium.answer(result, "LU")
    assert b"1963-11-31" not in etree.tostring(message)
    assert b"BirthDate" in etree.tostring(message)
