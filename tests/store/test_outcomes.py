"""Exactly-once effect: replays, 50009, rejected files that leave no data, and a file's states."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, event, func, select
from sqlalchemy.orm import Session

from exchange.records import Record
from exchange.store import (
    FileState,
    Outcome,
    advance_state,
    doc_ref_states,
    file_outcome,
    mark_answered,
    register_file,
    reject_file,
    store_file,
    used_message_ref_ids,
)
from exchange.store.models import AccountReportRow, DocRecord, MessageHeaderRow, PartyRow, ReceivedFile
from exchange.store.queries import files, findings_by_code
from exchange.validation.findings import Finding
from tests.store import factory as f
from tests.store.conftest import snapshot, status_builder


class _Unread:
    """A record stream that must not be read: a settled file's records are not read again."""

    def __iter__(self) -> Iterator[Record]:
        raise AssertionError("the records of a settled file were read again")


def _count(engine: Engine, model: type[object]) -> int:
    with Session(engine) as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_the_same_packet_again_changes_nothing_and_answers_the_same(db_engine: Engine) -> None:
    stream = f.new_file("FI-1", [f.account_report("AR-1"), f.account_report("AR-2", "OECD2", "AR-404")])
    first = store_file(db_engine, f.packet("p"), f.header("M1"), stream, status=status_builder)
    before = snapshot(db_engine)

    again = store_file(db_engine, f.packet("p"), f.header("M1"), _Unread(), status=status_builder)
    assert again.replayed and not first.replayed
    assert again.status_message == first.status_message is not None
    assert (again.file_id, again.state, again.findings) == (first.file_id, first.state, first.findings)
    assert snapshot(db_engine) == before
    assert file_outcome(db_engine, f.packet("p").sha256) == first


def test_a_different_file_reusing_a_message_ref_id_is_rejected_50009(db_engine: Engine) -> None:
    first = store_file(
        db_engine, f.packet("p1"), f.header("M1"), f.new_file("FI-1", [f.account_report("AR-1")])
    )
    outcome = store_file(
        db_engine,
        f.packet("p2"),
        f.header("M1"),
        f.new_file("FI-2", [f.account_report("AR-2")]),
        status=status_builder,
    )
    assert (outcome.state, outcome.rejection_code, outcome.outcome) == (
        FileState.REJECTED,
        50009,
        Outcome.REJECTED,
    )
    assert [(x.code, x.level) for x in outcome.findings] == [(50009, "file")]
    assert (
        outcome.status_message is not None
        and outcome.status_message.content == b"<status>Rejected:50009</status>"
    )
    assert doc_ref_states(db_engine, f.SENDER, ["FI-2", "AR-2"]) == {}
    # The MessageRefId stays with the first file; another sender may use the same text.
    assert used_message_ref_ids(db_engine, f.SENDER, ["M1", "M2"]) == {"M1": first.file_id}
    other = store_file(
        db_engine, f.packet("p3", sender="LU"), f.header("M1", sender="LU"), [f.reporting_fi("FI-1")]
    )
    assert other.state is FileState.STORED


def test_a_file_error_at_the_end_of_the_stream_leaves_no_records(db_engine: Engine) -> None:
    schema_error = Finding(50007, "file", "element Foo not expected", line=9999)

    def stream() -> Iterator[Record | Finding]:
        yield from f.new_file("FI-1", f.many_reports(25))
        yield schema_error  # found after every record was already written in batches

    outcome = store_file(
        db_engine, f.packet("bad"), f.header("M1"), stream(), status=status_builder, batch_size=10
    )
    assert (outcome.state, outcome.rejection_code, outcome.findings) == (
        FileState.REJECTED,
        50007,
        (schema_error,),
    )
    assert outcome.records_stored == 0
    for model in (DocRecord, AccountReportRow, PartyRow):
        assert _count(db_engine, model) == 0
    assert _count(db_engine, MessageHeaderRow) == 1  # the rejection keeps the header it reports on
    assert used_message_ref_ids(db_engine, f.SENDER, ["M1"]) != {}  # and the MessageRefId is used up
    again = store_file(db_engine, f.packet("bad"), f.header("M1"), stream(), status=status_builder)
    assert again.replayed and again.findings == outcome.findings


def test_a_rejection_keeps_reading_the_findings_after_it(db_engine: Engine) -> None:
    first = Finding(50010, "file", "test data in production")
    later = Finding(60002, "record", "negative balance", doc_ref_ids=("AR-3",))
    items: list[Record | Finding] = [f.reporting_fi("FI-1"), first, f.account_report("AR-3"), later]
    outcome = store_file(db_engine, f.packet("x"), f.header("M1"), items)
    assert outcome.findings == (first, later) and outcome.rejection_code == 50010


def test_a_packet_that_could_not_be_opened_is_rejected_without_a_header(db_engine: Engine) -> None:
    failure = Finding(50002, "file", "failed decryption")
    outcome = reject_file(db_engine, f.packet("garbled"), [failure], status=status_builder)
    assert (outcome.state, outcome.rejection_code) == (FileState.REJECTED, 50002)
    with pytest.raises(ValueError, match="file-level"):
        reject_file(db_engine, f.packet("other"), [Finding(60002, "record", "x")])
    with pytest.raises(ValueError, match="MessageHeader"):
        store_file(db_engine, f.packet("other"), None, [f.reporting_fi("FI-1")])
    assert file_outcome(db_engine, f.packet("other").sha256) is None  # the failed call left nothing


def test_a_file_moves_forward_through_its_states(db_engine: Engine) -> None:
    packet = f.packet("p")
    file_id = register_file(db_engine, packet)
    assert register_file(db_engine, packet) == file_id
    assert advance_state(db_engine, packet.sha256, FileState.OPENED, payload_size=4096) is FileState.OPENED
    assert advance_state(db_engine, packet.sha256, FileState.VALIDATED) is FileState.VALIDATED
    assert advance_state(db_engine, packet.sha256, FileState.OPENED) is FileState.VALIDATED  # never back
    outcome = store_file(db_engine, packet, f.header("M1"), [f.reporting_fi("FI-1")], status=status_builder)
    assert outcome.file_id == file_id and outcome.state is FileState.STORED
    assert advance_state(db_engine, packet.sha256, FileState.RECONCILED) is FileState.RECONCILED
    mark_answered(db_engine, packet.sha256)
    answered = file_outcome(db_engine, packet.sha256)
    assert answered is not None and answered.state is FileState.ANSWERED
    assert answered.status_message is not None and answered.status_message.sent_at is not None
    with pytest.raises(ValueError):
        advance_state(db_engine, packet.sha256, FileState.REJECTED)
    with pytest.raises(LookupError):
        advance_state(db_engine, "0" * 64, FileState.OPENED)


def test_queries_by_state_sender_and_code(db_engine: Engine) -> None:
    store_file(db_engine, f.packet("a"), f.header("M1"), f.new_file("FI-1", [f.account_report("AR-1")]))
    store_file(db_engine, f.packet("b"), f.header("M1"), [f.reporting_fi("FI-2")])  # 50009
    store_file(db_engine, f.packet("c", sender="LU"), f.header("L1", sender="LU"), [f.reporting_fi("FI-1")])
    store_file(
        db_engine, f.packet("d"), f.header("M2", "CRS702"), [f.account_report("AR-9", "OECD2", "AR-404")]
    )
    with Session(db_engine) as session:
        assert [x.packet_sha256 for x in files(session, state=FileState.REJECTED)] == [f.packet("b").sha256]
        assert {x.sender for x in files(session, state=FileState.STORED)} == {"NL", "LU"}
        assert len(files(session, sender="NL")) == 3
        assert len(files(session, sender="NL", limit=1)) == 1
        unknown = findings_by_code(session, 80002)
        assert [(x.doc_ref_ids, x.file.packet_sha256) for x in unknown] == [(["AR-9"], f.packet("d").sha256)]
        assert findings_by_code(session, 80002, sender="LU") == []
        assert session.scalar(select(func.count()).select_from(ReceivedFile)) == 4


def test_lookups_and_loads_are_batched_not_per_record(db_engine: Engine) -> None:
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    store_file(db_engine, f.packet("a"), f.header("M1"), f.new_file("FI-1", f.many_reports(3000)))
    event.listen(db_engine, "before_cursor_execute", count)
    try:
        refs = [f"NL2025BE-AR{n:08d}" for n in range(3000)]
        assert len(doc_ref_states(db_engine, f.SENDER, [*refs, "missing"])) == 3000
        lookups = len(statements)
        corrections = (
            f.account_report(f"C-{n}", "OECD2", f"NL2025BE-AR{n:08d}", balance="1.00") for n in range(3000)
        )
        store_file(db_engine, f.packet("b"), f.header("M2", "CRS702"), corrections, batch_size=1000)
    finally:
        event.remove(db_engine, "before_cursor_execute", count)
    assert lookups <= 4  # 3001 DocRefIds in chunks of 1000
    # Three batches of 1000 corrections: a handful of statements each, not thousands (SQLite's executemany
    # and PostgreSQL's COPY are one statement per table and batch).
    assert len(statements) - lookups < 80, statements[:20]
