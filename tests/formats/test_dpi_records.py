"""DPI v1.0 files are detected, validated while streaming, and read into records."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from pathlib import Path

from exchange.extract import Extractor
from exchange.formats import detect, dpi_v1
from exchange.records import (
    Activity,
    OperatorRole,
    OtherPlatformOperator,
    PartyKind,
    Record,
    ReportableSeller,
    ReportingFI,
)
from exchange.validation.schema import SchemaValidation, validate
from tests.formats.dpi_documents import dpi_document, entity_seller, individual_seller


def records_of(data: bytes | Path) -> list[Record]:
    run = SchemaValidation(data)
    extractor = Extractor(dpi_v1.SPEC)
    found = [record for element in run.records() if (record := extractor.record(element)) is not None]
    assert run.result().valid, run.result().findings
    return found


def test_a_dpi_document_is_detected_by_its_namespace() -> None:
    detection = detect(dpi_document())
    assert detection.recognised and detection.spec is dpi_v1.SPEC


def test_the_public_samples_validate_with_our_schema(standards_dir: Path) -> None:
    for name in ("SubmissionSample.xml", "SubmissionSampleAssumed.xml"):
        report = validate(standards_dir / "samples" / "dpi" / name)
        assert report.detection.spec is dpi_v1.SPEC
        assert report.valid, report.findings


def test_the_samples_read_into_an_operator_and_sellers(standards_dir: Path) -> None:
    records = records_of(standards_dir / "samples" / "dpi" / "SubmissionSampleAssumed.xml")
    assert isinstance(records[0], ReportingFI) and records[0].element == "PlatformOperator"
    assert any(isinstance(record, OtherPlatformOperator) for record in records)
    assert any(isinstance(record, ReportableSeller) for record in records)


def test_a_seller_keeps_its_identity_activities_and_listings() -> None:
    operator, person, company = records_of(dpi_document(individual_seller(), entity_seller()))
    assert isinstance(operator, ReportingFI)
    assert operator.vat == "NL123456789B01" and operator.nexus == "RPONEX1"
    assert [tin.in_type for tin in operator.ins] == [None, "BRN"]
    assert isinstance(person, ReportableSeller) and person.kind is PartyKind.INDIVIDUAL
    assert person.identity is not None and person.identity.birth_date is not None
    assert person.identity.names[0].last == "Peeters"
    (listing,) = person.listings
    assert listing.rented_days == 61 and listing.land_registration_number == "ASD01-K-1234"
    assert listing.figures.consideration.amounts == (Decimal(3000),) * 4
    assert listing.figures.counts == (3, 4, 5, 2)
    assert [figures.activity for figures in person.activities] == [Activity.TRANSPORTATION_RENTAL]
    assert person.financial_identifiers[0].identifier == "BE71096123456769"
    assert isinstance(company, ReportableSeller) and company.kind is PartyKind.ORGANISATION
    assert company.vat == "BE0403019261" and company.permanent_establishments == ("NL",)
    assert company.identity is not None and [tin.in_type for tin in company.identity.tins] == [None, "BRN"]


def test_other_operators_have_their_role(standards_dir: Path) -> None:
    records = records_of(standards_dir / "samples" / "dpi" / "SubmissionSampleAssumed.xml")
    roles = {record.role for record in records if isinstance(record, OtherPlatformOperator)}
    assert roles <= set(OperatorRole) and roles


def test_amounts_beyond_the_store_refuse_the_seller_with_99999() -> None:
    from exchange.store.limits import BEYOND_THE_STORE, refusal
    from tests.formats.dpi_documents import figures

    huge = individual_seller()
    assert refusal(huge) is None
    too_much = figures(Activity.PERSONAL_SERVICES, (10**16, 0, 0, 0))
    refused = refusal(replace(huge, activities=(too_much,)))
    assert refused is not None and refused.code == BEYOND_THE_STORE
    too_many = replace(
        too_much,
        consideration=figures(Activity.PERSONAL_SERVICES, (0, 0, 0, 0)).consideration,
        counts=(2**63, 0, 0, 0),
    )
    assert refusal(replace(huge, activities=(too_many,))) is not None
