"""How the engine streams: findings before their record, lookups per chunk, bounded reading, and the
correction chains followed within the file."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from itertools import islice

from exchange.records import TIN, Record, StreamItem
from exchange.states import DocState, RecordKind
from exchange.validation.findings import Finding
from exchange.validation.rules import MemoryHistory, RuleEngine
from tests.rules.builders import RECEIVER, SENDER, TODAY, account_report, header, person, reporting_fi
from tests.rules.cases import CASES
from tests.rules.test_codes import findings_of


def run(
    records: Iterator[Record] | tuple[Record, ...],
    history: MemoryHistory | None = None,
    indic: str | None = "CRS701",
    chunk_size: int = 1000,
    format_name: str = "crs",
) -> Iterator[StreamItem]:
    version = "2.0"
    return RuleEngine(chunk_size=chunk_size).run(
        header(indic, format_name=format_name, version=version),
        records,
        receiver=RECEIVER,
        history=history,
        today=TODAY,
    )


def codes(items: Iterator[StreamItem]) -> list[int]:
    return [item.code for item in items if isinstance(item, Finding)]


def reports(count: int, start: int = 0) -> Iterator[Record]:
    yield reporting_fi()
    for number in range(start, start + count):
        yield account_report(f"LU2025BE-AR{number:06d}", balance="-1.00" if number % 7 == 0 else "1.00")


def test_records_come_out_in_order_each_after_its_findings() -> None:
    items = list(run(reports(30), chunk_size=8))
    records = [item for item in items if not isinstance(item, Finding)]
    assert records == list(reports(30))
    for index, item in enumerate(items):
        if isinstance(item, Finding):
            following = next(entry for entry in items[index:] if not isinstance(entry, Finding))
            assert following.doc_spec.doc_ref_id in item.doc_ref_ids
            assert item.line == following.line


def test_the_store_is_asked_once_per_chunk() -> None:
    history = MemoryHistory()
    list(run(reports(25), history=history, chunk_size=10))  # 26 records: 3 chunks
    assert history.lookups == 1 + 3  # the MessageRefId, then one DocRefId lookup per chunk


def test_reading_stays_a_chunk_ahead() -> None:
    consumed = 0

    def endless() -> Iterator[Record]:
        nonlocal consumed
        yield reporting_fi()
        number = 0
        while True:
            consumed += 1
            number += 1
            yield account_report(f"LU2025BE-AR{number:09d}")

    first = list(islice(run(endless(), history=MemoryHistory(), chunk_size=50), 10))
    assert len(first) == 10
    assert consumed <= 50


def test_without_a_store_the_history_rules_are_skipped() -> None:
    correction = account_report("LU2025BE-AR5", "OECD2", corr="LU2024BE-AR0")
    assert codes(run((reporting_fi(), correction), indic="CRS702")) == []
    assert codes(run((reporting_fi(), correction), history=MemoryHistory(), indic="CRS702")) == [80002]


def test_without_a_store_duplicates_within_the_file_are_still_found() -> None:
    twice = (reporting_fi(), account_report("LU2025BE-AR1"), account_report("LU2025BE-AR1"))
    assert codes(run(twice)) == [80000]


def test_a_chain_within_the_file_is_followed() -> None:
    history = MemoryHistory()
    history.add_doc(SENDER, "LU2024BE-AR0")
    chain = (
        reporting_fi(),
        account_report("LU2025BE-AR1", "OECD2", corr="LU2024BE-AR0"),
        account_report("LU2025BE-AR2", "OECD2", corr="LU2025BE-AR1"),  # corrects the correction: fine
        account_report("LU2025BE-AR3", "OECD3", corr="LU2025BE-AR2"),
    )
    assert codes(run(chain, history=history, indic="CRS702")) == []


def test_a_second_amendment_of_one_record_is_80011_not_80003() -> None:
    history = MemoryHistory()
    history.add_doc(SENDER, "LU2024BE-AR0")
    twice = (
        reporting_fi(),
        account_report("LU2025BE-AR1", "OECD2", corr="LU2024BE-AR0"),
        account_report("LU2025BE-AR2", "OECD3", corr="LU2024BE-AR0"),
    )
    found = [item for item in run(twice, history=history, indic="CRS702") if isinstance(item, Finding)]
    assert [(finding.code, finding.doc_ref_ids) for finding in found] == [(80011, ("LU2025BE-AR2",))]
    assert found[0].field_paths == ("AccountReport/DocSpec/CorrDocRefId",)


def test_a_refused_record_changes_no_chain() -> None:
    history = MemoryHistory()
    history.add_doc(SENDER, "LU2024BE-AR0", RecordKind.ACCOUNT_REPORT, DocState.DELETED)
    # The first correction is refused (80003); the second is then no double amendment (no 80011).
    refused_then_again = (
        reporting_fi(),
        account_report("LU2025BE-AR1", "OECD2", corr="LU2024BE-AR0"),
        account_report("LU2025BE-AR2", "OECD2", corr="LU2024BE-AR0"),
    )
    assert codes(run(refused_then_again, history=history, indic="CRS702")) == [80003, 80003]


def test_fatca_takes_the_message_mode_from_its_first_record() -> None:
    history = MemoryHistory()
    history.add_doc(SENDER, "OLD1")
    mixed = (
        reporting_fi("FI1", "FATCA1"),
        account_report("AR1", "FATCA1"),
        account_report("AR2", "FATCA2", corr="OLD1"),
    )
    assert codes(run(mixed, history=history, indic=None, format_name="fatca")) == [80010]


def test_a_domestic_file_has_no_residence_rule() -> None:
    domestic = replace(header(transmitting="BE", receiving="BE"), sending_company_in="0403019261")
    stream = (
        replace(reporting_fi("BE2025-FI1", countries=("BE",)), ins=(TIN("0403019261", issued_by="BE"),)),
        account_report("BE2025-AR1", holder=person(countries=("DE",))),
    )
    items = RuleEngine().run(domestic, stream, receiver=RECEIVER, today=TODAY)
    assert codes(items) == []


def test_findings_name_fields_not_personal_values() -> None:
    values = ("85073003328", "0403019261", "Peeters", "Jan", "Wetstraat", "1980-05-17", "BE71096123456768")
    for case in CASES:
        for finding in findings_of(case.failing):
            assert not any(value in finding.message for value in values), finding


def test_the_identifiers_prefixes_are_the_authenticated_senders() -> None:
    """LU's header and identifiers, in a packet NL signed: wrong for NL, whatever the header says."""
    stream = (reporting_fi(), account_report())
    signed_by_nl = RuleEngine().run(
        header(), stream, receiver=RECEIVER, today=TODAY, authenticated_sender="NL"
    )
    assert codes(signed_by_nl) == [50004, 50008, 80001, 80001]
    alone = RuleEngine().run(header(), stream, receiver=RECEIVER, today=TODAY)
    assert codes(alone) == []  # a file alone is checked against its own TransmittingCountry


def test_after_a_read_cut_short_the_file_rules_conclude_nothing() -> None:
    """A body whose reports the read never reached is not a body without reports (60015); no body read
    is not a message without one (80015)."""
    for stream, code in (((reporting_fi(),), 60015), ((), 80015)):
        whole = RuleEngine().run(header(), stream, receiver=RECEIVER, today=TODAY, complete=lambda: True)
        assert codes(whole) == [code]
        cut = RuleEngine().run(header(), stream, receiver=RECEIVER, today=TODAY, complete=lambda: False)
        assert codes(cut) == []
