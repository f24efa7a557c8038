"""The history rules against the real store, on SQLite and on PostgreSQL: files stored with
`store_file`, the next file validated through `StoreHistory` with a few batched queries."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import date

import pytest
from sqlalchemy import Engine, event

from exchange.records import MessageHeader, Record
from exchange.states import FileState
from exchange.store import PacketInfo, store_file
from exchange.validation.findings import Finding
from exchange.validation.rules import RuleEngine
from exchange.validation.rules.store_history import StoreHistory
from tests.rules.builders import HOME, RECEIVER, SENDER, TODAY, account_report, header, reporting_fi


def packet(name: str) -> PacketInfo:
    return PacketInfo(
        sha256=hashlib.sha256(name.encode()).hexdigest(),
        profile="CTS",
        sender=SENDER,
        receiver=HOME,
        communication_type="CRS",
        size=1000,
    )


def store(engine: Engine, name: str, head: MessageHeader, records: tuple[Record, ...]) -> int:
    outcome = store_file(engine, packet(name), head, records)
    assert outcome.state is FileState.STORED, outcome.findings
    return outcome.file_id


def findings(
    engine: Engine, head: MessageHeader, records: tuple[Record, ...], **options: int
) -> list[Finding]:
    history = StoreHistory(engine, file_id=options.get("file_id"))
    items = RuleEngine(chunk_size=options.get("chunk_size", 1000)).run(
        head, records, receiver=RECEIVER, history=history, today=TODAY
    )
    return [item for item in items if isinstance(item, Finding)]


@pytest.fixture
def stored(db_engine: Engine) -> Engine:
    """A sender who reported FI1, AR1 and AR2 for 2024, then corrected AR1 by AR5."""
    year_2024 = date(2024, 12, 31)
    store(
        db_engine,
        "first",
        header(message_ref_id="LU2024BE000001", period=year_2024),
        (reporting_fi("LU-FI1"), account_report("LU-AR1"), account_report("LU-AR2")),
    )
    store(
        db_engine,
        "second",
        header("CRS702", message_ref_id="LU2024BE000002", period=year_2024),
        (reporting_fi("LU-FI1", "OECD0"), account_report("LU-AR5", "OECD2", corr="LU-AR1")),
    )
    return db_engine


CORRECTIONS_2024 = header("CRS702", message_ref_id="LU2024BE000003", period=date(2024, 12, 31))


def test_a_valid_follow_up_has_no_finding(stored: Engine) -> None:
    follow_up = (
        reporting_fi("LU-FI1", "OECD0"),
        account_report("LU-AR6", "OECD2", corr="LU-AR5"),
        account_report("LU-AR7", "OECD3", corr="LU-AR2"),
    )
    assert findings(stored, CORRECTIONS_2024, follow_up) == []


def test_the_history_codes_from_the_store(stored: Engine) -> None:
    follow_up = (
        reporting_fi("LU-FI9", "OECD0"),  # never reported: 80013
        account_report("LU-AR6", "OECD2", corr="LU-AR1"),  # AR1 was superseded by AR5: 80003
        account_report("LU-AR7", "OECD2", corr="LU-AR404"),  # unknown: 80002
        account_report("LU-AR2", "OECD2", corr="LU-AR5"),  # LU-AR2 is taken: 80000
        account_report("LU-AR8", "OECD2", corr="LU-FI1"),  # names a ReportingFI: 80002
    )
    assert [
        (finding.code, finding.doc_ref_ids) for finding in findings(stored, CORRECTIONS_2024, follow_up)
    ] == [
        (80013, ("LU-FI9",)),
        (80003, ("LU-AR6",)),
        (80002, ("LU-AR7",)),
        (80000, ("LU-AR2",)),
        (80002, ("LU-AR8",)),
    ]


def test_a_resent_institution_that_was_deleted(stored: Engine) -> None:
    deletion = header("CRS702", message_ref_id="LU2024BE000003", period=date(2024, 12, 31))
    store(
        stored,
        "third",
        deletion,
        (
            reporting_fi("LU-FI2", "OECD3", corr="LU-FI1"),
            account_report("LU-AR6", "OECD3", corr="LU-AR5"),
            account_report("LU-AR7", "OECD3", corr="LU-AR2"),
        ),
    )
    resend = header("CRS702", message_ref_id="LU2024BE000004", period=date(2024, 12, 31))
    found = findings(
        stored, resend, (reporting_fi("LU-FI1", "OECD0"), account_report("LU-AR8", "OECD3", corr="LU-AR6"))
    )
    assert [finding.code for finding in found] == [80014, 80003]


def test_a_correction_for_another_reporting_period(stored: Engine) -> None:
    next_year = header("CRS702", message_ref_id="LU2025BE000003", period=date(2025, 12, 31))
    found = findings(
        stored, next_year, (reporting_fi("LU-FI3"), account_report("LU-AR6", "OECD2", corr="LU-AR5"))
    )
    assert [finding.code for finding in found] == [80012]
    assert found[0].field_paths == ("MessageSpec/ReportingPeriod", "AccountReport/DocSpec/CorrDocRefId")


def test_a_reused_message_ref_id_but_not_by_the_same_file(stored: Engine) -> None:
    reused = header("CRS702", message_ref_id="LU2024BE000002", period=date(2024, 12, 31))
    records = (reporting_fi("LU-FI1", "OECD0"), account_report("LU-AR6", "OECD2", corr="LU-AR5"))
    assert [finding.code for finding in findings(stored, reused, records)] == [50009]
    second_file = store_file(stored, packet("second"), reused, ()).file_id  # the same bytes: a replay
    assert findings(stored, reused, records, file_id=second_file) == []


def test_the_store_is_asked_a_few_times_per_chunk(stored: Engine) -> None:
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    records = tuple(_corrections(12))
    event.listen(stored, "before_cursor_execute", count)
    try:
        assert findings(stored, CORRECTIONS_2024, records, chunk_size=5) == []
    finally:
        event.remove(stored, "before_cursor_execute", count)
    # One MessageRefId query; per chunk of 5 (13 records: 3 chunks) one DocRefId query; and one query
    # for the reporting periods of the stored versions found, which only the first chunk names.
    assert len(statements) == 1 + 3 + 1


def _corrections(count: int) -> Iterator[Record]:
    yield reporting_fi("LU-FI1", "OECD0")
    yield account_report("LU-AR6", "OECD2", corr="LU-AR5")
    for number in range(count - 1):
        yield account_report(
            f"LU-AR1{number:03d}", "OECD2", corr=f"LU-AR{6 if number == 0 else 1000 + number - 1}"
        )


def test_the_checked_stream_feeds_the_store(stored: Engine) -> None:
    follow_up = (
        reporting_fi("LU-FI1", "OECD0"),
        account_report("LU-AR6", "OECD2", corr="LU-AR5"),
        account_report("LU-AR7", "OECD2", corr="LU-AR404"),
    )
    items = RuleEngine().run(
        CORRECTIONS_2024, follow_up, receiver=RECEIVER, history=StoreHistory(stored), today=TODAY
    )
    outcome = store_file(stored, packet("follow-up"), CORRECTIONS_2024, items)
    assert outcome.state is FileState.STORED
    assert [(finding.code, finding.doc_ref_ids) for finding in outcome.findings] == [(80002, ("LU-AR7",))]
    assert (outcome.records_stored, outcome.records_refused) == (2, 1)
