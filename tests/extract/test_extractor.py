"""The extractor on the official samples and on generated documents, whole or streamed."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree

from exchange.extract import Extractor
from exchange.extract.xmltext import parse_datetime
from exchange.formats import crs_v2, fatca_v2
from exchange.records import (
    AccountReport,
    FIRole,
    MessageHeader,
    NilReport,
    PartyKind,
    PartyRole,
    PoolReport,
    Record,
    ReportingFI,
)
from tests.extract.documents import crs_v3
from tests.extract.documents import fatca_v2 as fatca_document
from tests.extract.streaming import streamed, whole

SAMPLES = {
    "valid-2.0": "samples/crs/valid-2.0.xml",
    "korrekturmeldung": "samples/crs/korrekturmeldung.xml",
    "valid-3.0": "samples/crs/valid-3.0.xml",
    "irs-fatca": "ides/Sample.000000.00000.TA.124_Payload.xml",
}


def extract(elements: Iterable[etree._Element]) -> tuple[MessageHeader | None, list[Record]]:
    extractor = Extractor()
    header = None
    records = []
    for element in elements:
        if str(element.tag).endswith("}MessageSpec"):
            header = extractor.header(element)
        elif (record := extractor.record(element)) is not None:
            records.append(record)
    return header, records


@pytest.mark.parametrize("name", SAMPLES)
def test_streamed_and_whole_trees_give_the_same_records(name: str, standards_dir: Path) -> None:
    path = standards_dir / SAMPLES[name]
    assert extract(streamed(path)) == extract(whole(path))


def test_the_crs_sample(standards_dir: Path) -> None:
    header, records = extract(streamed(standards_dir / SAMPLES["valid-2.0"]))
    assert header == MessageHeader(
        message_type="CRS",
        transmitting_country="ES",
        receiving_country="DE",
        message_ref_id="ES2025DE0000000001",
        reporting_period=date(2025, 12, 31),
        timestamp=datetime(2026, 3, 15, 9, 45, 30, 789000),
        message_type_indic="CRS701",
        format_name="crs",
        format_version="2.0",
    )
    fi, first, entity, security = records
    assert isinstance(fi, ReportingFI) and fi.role is FIRole.REPORTING_FI
    assert fi.res_country_codes == ("ES",) and fi.ins[0].issued_by == "ES"
    assert (
        isinstance(first, AccountReport) and first.balance == Decimal("1500.00") and first.currency == "EUR"
    )
    assert first.account_number_type == "OECD601" and first.holder.birth_date == date(1980, 5, 17)
    assert first.payments[0].type == "CRS502" and first.payments[0].amount == Decimal("12.50")
    assert isinstance(entity, AccountReport) and entity.holder.kind is PartyKind.ORGANISATION
    assert entity.holder.acct_holder_type == "CRS101"
    assert [cp.ctrlg_person_types for cp in entity.controlling_persons] == [("CRS801",)]
    assert entity.controlling_persons[0].role is PartyRole.CONTROLLING_PERSON
    assert isinstance(security, AccountReport) and security.account_number_type == "OECD603"
    assert [(r.body_index, r.group_index, r.line) for r in records] == [
        (0, 0, 13),
        (0, 0, 27),
        (0, 0, 56),
        (0, 0, 97),
    ]


def test_the_correction_sample(standards_dir: Path) -> None:
    header, (fi, report) = extract(streamed(standards_dir / SAMPLES["korrekturmeldung"]))
    assert header is not None and header.timestamp == datetime(2017, 6, 16, 12, 13, 36, tzinfo=UTC)
    assert header.sending_company_in == "052.0000.0000" and header.message_type_indic == "CRS702"
    assert isinstance(fi, ReportingFI) and fi.doc_spec.doc_type_indic == "OECD0"
    assert fi.addresses[0].fix is not None and fi.addresses[0].fix.pob == "100"
    assert fi.addresses[0].legal_address_type == "OECD304" and fi.addresses[0].free is not None
    assert isinstance(report, AccountReport)
    assert (report.doc_spec.doc_ref_id, report.doc_spec.corr_doc_ref_id) == ("CH2017CH_AR5", "CH2017CH_AR1")
    name = report.holder.names[0]
    assert (name.titles, name.middle, name.name_prefix, name.generation_identifiers) == (
        ("Dr.",),
        ("Rudolf",),
        "von",
        ("Jr.",),
    )
    assert len(report.holder.addresses) == 2 and report.holder.birth_country_code == "DE"
    assert report.balance == Decimal("1560032")


def test_the_crs_v3_sample(standards_dir: Path) -> None:
    header, records = extract(streamed(standards_dir / SAMPLES["valid-3.0"]))
    assert header is not None and (header.format_name, header.format_version) == ("crs", "3.0")
    reports = [r for r in records if isinstance(r, AccountReport)]
    assert [r.account_type for r in reports] == ["CRS1101", "CRS1103", "CRS1101", "CRS1104"]
    assert {r.dd_procedure for r in reports} == {"CRS1201"}
    assert reports[1].controlling_persons[0].self_cert == "CRS1001"
    assert reports[2].account_number_type == "OECD606"
    assert reports[3].holder.equity_interest_types == ("CRS401",) and reports[3].holder.self_cert == "CRS901"


def test_the_irs_fatca_sample(standards_dir: Path) -> None:
    header, records = extract(streamed(standards_dir / SAMPLES["irs-fatca"]))
    assert header is not None and header.format_name == "fatca" and header.message_type_indic is None
    assert header.warning == "NoWarning"
    institutions = [r for r in records if isinstance(r, ReportingFI)]
    assert [(fi.body_index, fi.filer_category) for fi in institutions] == [(0, "FATCA610"), (1, "FATCA610")]
    assert institutions[0].ins[0].issued_by == "US"  # an organisation's TIN, FATCA's IN
    assert len(records) == 168 and {r.body_index for r in records} == {0, 1}
    first = records[1]
    assert isinstance(first, AccountReport)
    assert first.holder.names[0].middle == ()  # an empty MiddleName element is no middle name
    assert first.holder.nationalities == ("US",) and first.payments[0].type == "FATCA502"


def test_a_generated_crs_v3_document_streamed() -> None:
    header, records = extract(streamed(crs_v3()))
    assert header is not None
    assert header.corr_message_ref_ids == ("LU2026BE000041",) and header.contact == "desk"
    assert header.timestamp.utcoffset() == timedelta(hours=1)
    places = [(type(r).__name__, getattr(r, "role", None), r.body_index, r.group_index) for r in records]
    assert places == [
        ("ReportingFI", FIRole.REPORTING_FI, 0, 0),
        ("AccountReport", None, 0, 0),
        ("ReportingFI", FIRole.REPORTING_FI, 1, 0),
        ("AccountReport", None, 1, 0),
        ("ReportingFI", FIRole.SPONSOR, 1, 1),
        ("ReportingFI", FIRole.INTERMEDIARY, 1, 1),
        ("PoolReport", None, 1, 1),
    ]
    entity = records[1]
    assert isinstance(entity, AccountReport)
    assert (entity.undocumented, entity.closed, entity.dormant) == (False, True, True)
    assert entity.holder.equity_interest_types == ("CRS401", "CRS402") and entity.holder.self_cert == "CRS902"
    assert entity.holder.tins[0].value == "0403019261"
    person = entity.controlling_persons[0]
    assert person.ctrlg_person_types == ("CRS801", "CRS803") and person.self_cert == "CRS1001"
    assert person.res_country_codes == ("BE", "NL") and person.birth_former_country_name == "Zaire"
    assert person.birth_city_subentity == "Sint-Amandsberg"
    assert person.names[0].preceding_title == "His Excellency" and person.names[0].middle == (
        "Karel",
        "Maria",
    )
    assert [(p.type, p.amount, p.currency) for p in entity.payments] == [
        ("CRS503", Decimal("10.05"), "EUR"),
        ("CRS504", Decimal("-3.10"), "USD"),
    ]
    assert (entity.dd_procedure, entity.account_type, entity.joint_account) == ("CRS1202", "CRS1104", 2)
    assert records[0].ins[0].in_type == "RCS"  # type: ignore[union-attr]
    pool = records[-1]
    assert isinstance(pool, PoolReport)
    assert (pool.account_count, pool.pool_report_type, pool.balance) == (3, "FATCA201", Decimal("900.10"))


def test_a_generated_fatca_document_streamed() -> None:
    header, records = extract(streamed(fatca_document()))
    assert header is not None and header.timestamp.tzinfo == UTC
    _, nil, sponsor, report, pool = records
    assert isinstance(nil, NilReport) and (nil.body_index, nil.group_index) == (0, 0)
    assert nil.doc_spec.is_test_data
    assert isinstance(sponsor, ReportingFI) and sponsor.role is FIRole.SPONSOR and sponsor.group_index == 1
    assert sponsor.filer_category == "FATCA607"
    assert isinstance(report, AccountReport) and report.closed is True
    assert [(o.kind, o.role) for o in report.controlling_persons] == [
        (PartyKind.INDIVIDUAL, PartyRole.SUBSTANTIAL_OWNER),
        (PartyKind.ORGANISATION, PartyRole.SUBSTANTIAL_OWNER),
    ]
    assert report.holder.acct_holder_type == "FATCA101" and report.payments[0].description == "fees"
    assert isinstance(pool, PoolReport) and pool.currency == "USD"


def test_explicit_indexes_win() -> None:
    element = whole(crs_v3())[2]
    record = Extractor(crs_v2.SPEC).record(element, body_index=4, group_index=2)
    assert record is not None and (record.body_index, record.group_index) == (4, 2)


@pytest.mark.parametrize(
    ("remove", "expected"),
    [
        ("DocRefId", None),  # no identity: nothing to name in a finding
        ("AccountNumber", ""),
        ("AccountHolder", ()),
        ("AccountBalance", Decimal(0)),
    ],
)
def test_a_schema_invalid_report_does_not_crash(remove: str, expected: object) -> None:
    report = next(el for el in whole(crs_v3()) if str(el.tag).endswith("}AccountReport"))
    for element in list(report.iter()):
        if str(element.tag).endswith("}" + remove):
            element.getparent().remove(element)  # type: ignore[union-attr]
    record = Extractor().record(report)
    if expected is None:
        assert record is None
        return
    assert isinstance(record, AccountReport)
    value = {"AccountNumber": record.account_number, "AccountHolder": record.holder.names}.get(
        remove, record.balance
    )
    assert value == expected


def test_unreadable_values_give_partial_records() -> None:
    document = (
        fatca_document()
        .replace(b"<ftc:AccountCount>12</ftc:AccountCount>", b"<ftc:AccountCount>many</ftc:AccountCount>")
        .replace(b'currCode="USD">0.00<', b'currCode="USD">zero<')
        .replace(b"<sfa:BirthDate>1970-01-02</sfa:BirthDate>", b"<sfa:BirthDate>1970-13-45</sfa:BirthDate>")
    )
    _, records = extract(streamed(document))
    report, pool = records[3], records[4]
    assert isinstance(report, AccountReport) and report.balance == 0
    assert report.controlling_persons[0].birth_date is None
    assert report.controlling_persons[0].birth_date_unreadable  # said, for the rules to report it
    assert isinstance(pool, PoolReport) and pool.account_count == 0


@pytest.mark.parametrize("born", ["10000-01-02", "-1970-01-02", "0000-01-02"])
def test_a_birth_date_no_date_can_hold_is_marked(born: str) -> None:
    document = fatca_document().replace(
        b"<sfa:BirthDate>1970-01-02</sfa:BirthDate>", f"<sfa:BirthDate>{born}</sfa:BirthDate>".encode()
    )
    _, records = extract(streamed(document))
    owner = records[3].controlling_persons[0]  # type: ignore[union-attr]
    assert (owner.birth_date, owner.birth_date_unreadable) == (None, True)


def test_a_readable_or_absent_birth_date_is_not_marked() -> None:
    _, records = extract(streamed(fatca_document()))
    report = records[3]
    assert isinstance(report, AccountReport)
    assert report.controlling_persons[0].birth_date == date(1970, 1, 2)
    assert not any(party.birth_date_unreadable for party in (report.holder, *report.controlling_persons))


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("ReportingPeriod", "10000-12-31"),
        ("ReportingPeriod", "-2016-12-31"),
        ("Timestamp", "10000-01-01T00:00:00"),
    ],
)
def test_a_header_date_no_date_can_hold_is_named(field: str, value: str) -> None:
    spec = next(el for el in whole(fatca_document()) if str(el.tag).endswith("}MessageSpec"))
    next(child for child in spec if str(child.tag).endswith(f"}}{field}")).text = value
    extractor = Extractor(fatca_v2.SPEC)
    assert extractor.header(spec) is None
    assert extractor.header_problem(spec) == (
        f"{field} {value!r} is not a date this receiver can process (it reads the years 0001 to 9999)"
    )


def test_the_midnight_that_ends_a_day_is_the_next_day() -> None:
    assert parse_datetime("2026-12-31T24:00:00") == datetime(2027, 1, 1)
    assert parse_datetime("2026-12-31T24:00:00.000Z") == datetime(2027, 1, 1, tzinfo=UTC)
    assert parse_datetime("2026-12-31T24:00:00+01:00") == datetime(
        2027, 1, 1, tzinfo=timezone(timedelta(hours=1))
    )
    assert parse_datetime("9999-12-31T24:00:00") is None  # no datetime holds the year 10000


def test_a_header_without_its_required_fields_is_none() -> None:
    spec = next(el for el in whole(fatca_document()) if str(el.tag).endswith("}MessageSpec"))
    assert Extractor(fatca_v2.SPEC).header(spec) is not None
    spec.remove(spec[-1])  # Timestamp
    assert Extractor(fatca_v2.SPEC).header(spec) is None
    assert Extractor(fatca_v2.SPEC).header_problem(spec) == "Timestamp is missing"


def test_elements_that_are_no_record_are_skipped() -> None:
    root = etree.fromstring(crs_v3())
    extractor = Extractor()
    assert extractor.record(root) is None
    assert list(extractor.records(root.iter("{*}ReportingGroup"))) == []
