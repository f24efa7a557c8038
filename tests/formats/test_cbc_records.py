"""CbC v2.0 files are detected, validated while streaming, and read into records."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from exchange.extract import Extractor
from exchange.formats import cbc_v2, detect
from exchange.records import CbcAdditionalInfo, CbcReport, Record, ReportingFI
from exchange.store.limits import BEYOND_THE_STORE, refusal
from exchange.validation.schema import SchemaValidation, validate
from tests.formats.cbc_documents import cbc_document, report, summary

SAMPLES = ["cbcr-valid.xml", "cbcr-valid-2.xml", "cbcr-OECD0[1]-valid.xml", "cbcr-full-deletion.xml",
           "cbcr-partial-deletion.xml"]  # fmt: skip


def records_of(data: bytes | Path) -> list[Record]:
    run = SchemaValidation(data)
    extractor = Extractor(cbc_v2.SPEC)
    found = [record for element in run.records() if (record := extractor.record(element)) is not None]
    assert run.result().valid, run.result().findings
    return found


@pytest.mark.parametrize("name", SAMPLES)
def test_the_public_samples_validate_and_read(standards_dir: Path, name: str) -> None:
    path = standards_dir / "samples" / "cbc" / name
    report_ = validate(path)
    assert report_.detection.spec is cbc_v2.SPEC and report_.valid, report_.findings
    records = records_of(path)
    assert isinstance(records[0], ReportingFI) and records[0].element == "ReportingEntity"


def test_a_cbc_document_reads_into_entity_reports_and_info() -> None:
    assert detect(cbc_document()).spec is cbc_v2.SPEC
    entity, belgium, luxembourg, info = records_of(cbc_document())
    assert isinstance(entity, ReportingFI)
    assert (entity.mne_group_name, entity.reporting_role) == ("Groupe Lux", "CBC701")
    assert entity.period_start is not None and entity.period_start.isoformat() == "2025-01-01"
    assert isinstance(belgium, CbcReport) and belgium.res_country_code == "BE"
    assert belgium.summary.profit_or_loss == Decimal(1_000_000) and belgium.summary.employees == 40
    (constituent,) = belgium.entities
    assert constituent.biz_activities == ("CBC501", "CBC504")
    assert constituent.party.tins[0].value == "0403019261"
    assert isinstance(luxembourg, CbcReport) and luxembourg.res_country_code == "LU"
    assert isinstance(info, CbcAdditionalInfo) and info.summary_refs == ("CBC604",)


def test_cbc_amounts_beyond_the_store_refuse_the_report() -> None:
    from dataclasses import replace

    assert refusal(report()) is None
    huge = replace(report(), summary=replace(summary(), assets=Decimal(10**16)))
    refused = refusal(huge)
    assert refused is not None and refused.code == BEYOND_THE_STORE
