"""Every value the schemas allow is stored or refused with a finding, never a crash: real packets
through the pipeline, on SQLite and PostgreSQL.

Before the store's limits, a PoolReport AccountCount of 10^30 (SQLite) or 3,000,000,000 (PostgreSQL)
ended the load with OverflowError / NumericValueOutOfRange, the file stuck in `opened` with no answer.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from crypto.provision import AuthorityFolders
from exchange.db import create_db_engine, upgrade
from exchange.pipeline import Pipeline, PipelineResult
from exchange.settings import Settings
from exchange.states import FileState, Outcome
from exchange.store import store_file
from exchange.store.limits import BEYOND_THE_STORE, LIMITS
from exchange.store.models import (
    MessageHeaderRow,
    PartyAddressRow,
    PartyNameRow,
    PartyTinRow,
    PoolReportRow,
    ReceivedFile,
)
from exchange.store.types import amount_in_range
from tests.pipeline.conftest import codes_of, crs_file, open_answer, seal
from tests.store import factory as f

_POOL = (
    '<crs:PoolReport xmlns:ftc="urn:oecd:ties:fatca:v1">'
    "<ftc:DocSpec><stf:DocTypeIndic>OECD1</stf:DocTypeIndic>"
    "<stf:DocRefId>LU2025BE-PR1</stf:DocRefId></ftc:DocSpec><ftc:AccountCount>{count}</ftc:AccountCount>"
    "<ftc:AccountPoolReportType>FATCA201</ftc:AccountPoolReportType>"
    '<ftc:PoolBalance currCode="EUR">900.10</ftc:PoolBalance></crs:PoolReport>'
)
WIDE = "\U0001d518"  # four bytes in UTF-8: the widest character a string can hold


@pytest.fixture
def pipeline(be_settings: Settings) -> Pipeline:
    engine = create_db_engine(be_settings.effective_database_url)
    upgrade(engine)
    return Pipeline(be_settings, engine)


def _process(
    pipeline: Pipeline, document: str, benelux: dict[str, AuthorityFolders], tmp: Path
) -> PipelineResult:
    return pipeline.process(seal(document.encode(), benelux["LU"], benelux["BE"], tmp))


def _with_pool(count: str) -> str:
    document = crs_file("LU", message_ref_id="LU2025BE000001").decode()
    return document.replace("</crs:AccountReport>", "</crs:AccountReport>" + _POOL.format(count=count), 1)


@pytest.mark.parametrize("count", ["1" + "0" * 30, str(2**63), "-" + "9" * 25])
def test_an_account_count_beyond_64_bits_refuses_its_pool_report_and_the_file_is_answered(
    pipeline: Pipeline, benelux: dict[str, AuthorityFolders], tmp_path: Path, count: str
) -> None:
    result = _process(pipeline, _with_pool(count), benelux, tmp_path)
    assert result.outcome is not None
    assert result.outcome.outcome is Outcome.ACCEPTED_WITH_ERRORS
    with Session(pipeline.engine) as session:  # the whole path ran, nothing stuck in `opened`
        assert session.get_one(ReceivedFile, result.outcome.file_id).state is FileState.FLAGGED
    (beyond,) = [finding for finding in result.outcome.findings if finding.code == BEYOND_THE_STORE]
    assert beyond.doc_ref_ids == ("LU2025BE-PR1",)
    assert beyond.field_paths == ("PoolReport/AccountCount",)
    assert (result.outcome.records_stored, result.outcome.records_refused) == (2, 1)  # the FI and the report
    assert BEYOND_THE_STORE in codes_of(open_answer(result.answer or b"", benelux["LU"]), "RecordError")


@pytest.mark.parametrize("count", [3_000_000_000, 2**63 - 1])
def test_an_account_count_within_64_bits_is_stored_exactly(
    pipeline: Pipeline, benelux: dict[str, AuthorityFolders], tmp_path: Path, count: int
) -> None:
    result = _process(pipeline, _with_pool(str(count)), benelux, tmp_path)
    assert result.outcome is not None and result.outcome.accepted
    with Session(pipeline.engine) as session:
        assert session.scalars(select(PoolReportRow.account_count)).one() == count


def test_strings_at_their_schema_maximum_are_stored_whole(
    pipeline: Pipeline, benelux: dict[str, AuthorityFolders], tmp_path: Path
) -> None:
    """The longest TIN, DocRefId, name and MessageRefId the schema allows, in four-byte characters, and an
    AddressFree of 4,000 of them: stored and indexed in full on both engines."""
    document = crs_file("LU", message_ref_id="LU2025BE000001").decode()
    tin, name, address = WIDE * 200, WIDE * 200, WIDE * 4000
    document = re.sub(r'(<crs:TIN issuedBy="BE">)[^<]*', rf"\g<1>{tin}", document, count=1)
    document = re.sub(r"(<crs:LastName>)[^<]*", rf"\g<1>{name}", document, count=1)
    document = re.sub(r"(<cfc:AddressFree>)[^<]*", rf"\g<1>{address}", document, count=1)
    document = document.replace("LU2025BE-AR1", "LU" + WIDE * 198)
    document = document.replace("LU2025BE000001", "LU2025BE" + WIDE * 162)
    result = _process(pipeline, document, benelux, tmp_path)
    assert result.outcome is not None and result.outcome.outcome is Outcome.ACCEPTED
    with Session(pipeline.engine) as session:
        assert tin in session.scalars(select(PartyTinRow.value)).all()
        assert name in session.scalars(select(PartyNameRow.last_name)).all()
        assert address in session.scalars(select(PartyAddressRow.address_free)).all()
        assert session.scalars(select(MessageHeaderRow.message_ref_id)).one() == "LU2025BE" + WIDE * 162


@pytest.mark.parametrize("year", ["0001", "9999"])
def test_reporting_periods_at_the_ends_of_the_calendar_are_stored(
    pipeline: Pipeline, benelux: dict[str, AuthorityFolders], tmp_path: Path, year: str
) -> None:
    document = crs_file("LU", message_ref_id="LU2025BE000001").decode()
    document = document.replace("2025-12-31", f"{year}-12-31").replace("LU2025BE", f"LU{year}BE")
    document = document.replace("<crs:BirthDate>1980-05-17<", f"<crs:BirthDate>{year}-01-01<")
    result = _process(pipeline, document, benelux, tmp_path)
    assert result.outcome is not None and result.outcome.accepted, result.outcome
    assert [finding.code for finding in result.outcome.findings] == [60014]  # the birth date, a record error
    with Session(pipeline.engine) as session:
        assert session.scalars(select(MessageHeaderRow.reporting_period)).one().year == int(year)


def test_an_amount_that_rounds_beyond_16_digits_is_refused_not_overflowed(db_engine: Engine) -> None:
    """9999999999999999.995 is below 10^16 but rounds to it: NUMERIC(18, 2) would overflow."""
    assert not amount_in_range(Decimal("9999999999999999.995"))
    assert amount_in_range(Decimal("9999999999999999.994"))
    reports = [f.account_report("AR-1", balance="9999999999999999.995"), f.account_report("AR-2")]
    outcome = store_file(db_engine, f.packet("a"), f.header("M1"), f.new_file("FI-1", reports))
    assert [(finding.code, finding.doc_ref_ids) for finding in outcome.findings] == [(99999, ("AR-1",))]
    assert outcome.records_stored == 2


def test_every_limit_says_why() -> None:
    for limit in LIMITS:
        # The element the path starts with is the record's (CbC's CbcReports element is a CbcReport).
        assert limit.field_path.split("/")[0].startswith(limit.record_type.__name__)
        assert len(limit.why) > 40, limit.field_path
