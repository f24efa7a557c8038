"""80009 against earlier files: a ReportingFI deleted while reports stored under it stay current.

The lookup (`History.current_reports_under`) is tested on its own, in memory and on the real store
(SQLite and PostgreSQL); the rule through the engine, which hands file rules the History in
`RuleContext`.
"""

from __future__ import annotations

import hashlib
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import Engine, event

from exchange.records import DocSpec, MessageHeader, PoolReport, Record
from exchange.states import DocState, FileState, RecordKind
from exchange.store import PacketInfo, store_file
from exchange.validation.findings import Finding
from exchange.validation.rules import History, MemoryHistory, RuleEngine
from exchange.validation.rules.store_history import StoreHistory
from tests.rules.builders import HOME, RECEIVER, SENDER, TODAY, account_report, header, reporting_fi

YEAR_2024 = date(2024, 12, 31)


def _crs702(number: int) -> MessageHeader:
    return header("CRS702", message_ref_id=f"LU2024BE{number:06d}", period=YEAR_2024)


def _fatca(number: int) -> MessageHeader:
    return header(None, format_name="fatca", message_ref_id=f"LU2024BE{number:06d}", period=YEAR_2024)


def _pool(doc_ref_id: str, indic: str = "FATCA1", corr: str | None = None) -> PoolReport:
    return PoolReport(DocSpec(indic, doc_ref_id, corr), 3, "FATCA201", Decimal("900.00"), "USD", line=40)


def _packet(name: str, sender: str = SENDER) -> PacketInfo:
    return PacketInfo(
        sha256=hashlib.sha256(f"{sender}/{name}".encode()).hexdigest(),
        profile="CTS",
        sender=sender,
        receiver=HOME,
        communication_type="CRS",
        size=1000,
    )


def _store(
    engine: Engine, name: str, head: MessageHeader, records: tuple[Record, ...], sender: str = SENDER
) -> None:
    outcome = store_file(engine, _packet(name, sender), head, records)
    assert outcome.state is FileState.STORED, outcome.findings
    assert outcome.records_refused == 0, outcome.findings


def _findings(
    history: History, head: MessageHeader, records: tuple[Record, ...], chunk_size: int = 1000
) -> list[Finding]:
    items = RuleEngine(chunk_size=chunk_size).run(
        head, records, receiver=RECEIVER, history=history, today=TODAY
    )
    return [item for item in items if isinstance(item, Finding)]


def _codes(found: list[Finding]) -> list[tuple[int, tuple[str, ...]]]:
    return [(finding.code, finding.doc_ref_ids) for finding in found]


# --- the lookup, in memory -------------------------------------------------------------------------


def test_memory_history_gives_the_current_reports_under_a_current_institution() -> None:
    history = MemoryHistory()
    history.add_doc(SENDER, "LU-FI1", RecordKind.REPORTING_FI)
    history.add_doc(SENDER, "LU-FI2", RecordKind.REPORTING_FI, DocState.SUPERSEDED)
    history.add_doc(SENDER, "LU-AR1", under="LU-FI1")
    history.add_doc(SENDER, "LU-AR2", state=DocState.DELETED, under="LU-FI1")
    history.add_doc(SENDER, "LU-AR3", under="LU-FI1")
    history.add_doc(SENDER, "LU-AR4", under="LU-FI2")
    history.add_doc("NL", "LU-FI1", RecordKind.REPORTING_FI)
    history.add_doc("NL", "LU-AR9", under="LU-FI1")

    assert history.current_reports_under(SENDER, ["LU-FI1", "LU-FI2", "LU-FI404"], limit=5) == {
        "LU-FI1": ["LU-AR1", "LU-AR3"]
    }
    assert history.current_reports_under(SENDER, ["LU-FI1"], limit=1) == {"LU-FI1": ["LU-AR1"]}
    assert history.current_reports_under("NL", ["LU-FI1"], limit=5) == {"LU-FI1": ["LU-AR9"]}
    assert history.lookups == 3


# --- the rule through the engine, over a History in memory -----------------------------------------

DELETE_FI1 = reporting_fi("LU-FI3", "OECD3", corr="LU-FI1")


def _memory() -> MemoryHistory:
    """A sender whose ReportingFI LU-FI1 stands over LU-AR1 and LU-AR2 in earlier files; LU-FI7 is
    another of its institutions."""
    history = MemoryHistory()
    for fi in ("LU-FI1", "LU-FI7"):
        history.add_doc(SENDER, fi, RecordKind.REPORTING_FI, reporting_period=YEAR_2024)
    for report in ("LU-AR1", "LU-AR2"):
        history.add_doc(SENDER, report, reporting_period=YEAR_2024, under="LU-FI1")
    return history


def _delete(report: str, doc_ref_id: str, body: int = 0) -> Record:
    return account_report(doc_ref_id, "OECD3", corr=report, body=body)


def test_an_institution_deleted_alone_while_its_stored_reports_stay() -> None:
    history = _memory()
    found = _findings(history, _crs702(3), (DELETE_FI1,))
    assert _codes(found) == [(80009, ("LU-AR1", "LU-AR2", "LU-FI3"))]
    assert found[0].line == DELETE_FI1.line
    assert found[0].field_paths == ("ReportingFI/DocSpec/DocTypeIndic",)
    assert "LU-FI1 is deleted but 2 of the reports" in found[0].message
    assert history.lookups == 3  # the MessageRefId, the one chunk's DocRefIds, the reports under LU-FI1

    # Near-identical: the file deletes the stored reports too, after the institution.
    records = (DELETE_FI1, _delete("LU-AR1", "LU-AR5"), _delete("LU-AR2", "LU-AR6"))
    assert _findings(_memory(), _crs702(3), records) == []


def test_without_a_history_only_the_file_is_checked() -> None:
    items = RuleEngine().run(_crs702(3), (DELETE_FI1,), receiver=RECEIVER, today=TODAY)
    assert [item for item in items if isinstance(item, Finding)] == []


def test_the_file_deletes_a_stored_report_in_an_earlier_body() -> None:
    """LU-AR1 is deleted in another body, before the deletion of LU-FI1; LU-AR2 is not deleted at all."""
    records = (
        reporting_fi("LU-FI7", "OECD0"),
        _delete("LU-AR1", "LU-AR5"),
        reporting_fi("LU-FI3", "OECD3", corr="LU-FI1", body=1),
    )
    found = _findings(_memory(), _crs702(3), records)
    assert _codes(found) == [(80009, ("LU-AR2", "LU-FI3"))]
    assert "but 1 of the reports" in found[0].message

    complete = (*records[:2], _delete("LU-AR2", "LU-AR6"), records[2])
    assert _findings(_memory(), _crs702(3), complete) == []


def test_a_report_the_deleting_body_corrects_is_reported_once() -> None:
    """The within-file half reports the correction; the stored half only what the file leaves alone."""
    records = (DELETE_FI1, account_report("LU-AR5", "OECD2", corr="LU-AR1"))
    assert _codes(_findings(_memory(), _crs702(3), records)) == [
        (80009, ("LU-AR5", "LU-FI3")),
        (80009, ("LU-AR2", "LU-FI3")),
    ]


def test_a_deletion_of_the_version_this_file_corrected_is_looked_up_by_the_stored_one() -> None:
    records = (
        reporting_fi("LU-FI2", "OECD2", corr="LU-FI1"),
        reporting_fi("LU-FI3", "OECD3", corr="LU-FI2", body=1),
    )
    found = _findings(_memory(), _crs702(3), records)
    assert _codes(found) == [(80009, ("LU-AR1", "LU-AR2", "LU-FI3"))]
    assert "LU-FI2 is deleted" in found[0].message


def test_the_lookup_is_capped_by_what_the_file_amends() -> None:
    """Five stored reports, two of them deleted by the file: a lookup of 2 + 3 reports is enough."""
    history = _memory()
    for number in range(3, 6):
        history.add_doc(SENDER, f"LU-AR{number}", reporting_period=YEAR_2024, under="LU-FI1")
    records = (DELETE_FI1, _delete("LU-AR1", "LU-AR6"), _delete("LU-AR2", "LU-AR7"))
    found = _findings(history, _crs702(3), records)
    assert _codes(found) == [(80009, ("LU-AR3", "LU-AR4", "LU-AR5", "LU-FI3"))]
    assert "at least 3 of the reports" in found[0].message


# --- the rule and the lookup on the real store -----------------------------------------------------


@pytest.fixture
def institution(db_engine: Engine) -> Engine:
    """LU-FI1 reported LU-AR1..4 (and LU-FI8 reported LU-AR8); a correction then made LU-FI1 into LU-FI2,
    LU-AR1 into LU-AR5 and deleted LU-AR2; a third file resent LU-FI2 and corrected LU-AR3 into LU-AR7.
    Current under LU-FI2's chain: LU-AR4 (linked to LU-FI1), LU-AR5 (to LU-FI2), LU-AR7 (to the resend).
    Another sender holds the same DocRefIds, with LU-AR9 under its LU-FI2."""
    reports = tuple(account_report(f"LU-AR{number}") for number in range(1, 5))
    fi8 = (reporting_fi("LU-FI8", body=1), account_report("LU-AR8", body=1))
    new_2024 = header(message_ref_id="LU2024BE000001", period=YEAR_2024)
    _store(db_engine, "first", new_2024, (reporting_fi("LU-FI1"), *reports, *fi8))
    second = (
        reporting_fi("LU-FI2", "OECD2", corr="LU-FI1"),
        account_report("LU-AR5", "OECD2", corr="LU-AR1"),
        _delete("LU-AR2", "LU-AR6"),
    )
    _store(db_engine, "second", _crs702(2), second)
    third = (reporting_fi("LU-FI2", "OECD0"), account_report("LU-AR7", "OECD2", corr="LU-AR3"))
    _store(db_engine, "third", _crs702(3), third)
    other = (reporting_fi("LU-FI2"), account_report("LU-AR9"))
    _store(db_engine, "other", new_2024, other, sender="NL")
    return db_engine


def test_the_store_gives_the_current_reports_under_any_version_of_the_chain(institution: Engine) -> None:
    history = StoreHistory(institution)
    asked = ["LU-FI2", "LU-FI1", "LU-FI8", "LU-AR4", "LU-FI404"]
    assert history.current_reports_under(SENDER, asked, limit=10) == {
        "LU-FI2": ["LU-AR4", "LU-AR5", "LU-AR7"],
        "LU-FI8": ["LU-AR8"],
    }  # LU-FI1 is superseded, LU-AR4 is no ReportingFI
    assert history.current_reports_under(SENDER, asked, limit=2) == {
        "LU-FI2": ["LU-AR4", "LU-AR5"],
        "LU-FI8": ["LU-AR8"],
    }
    assert history.current_reports_under("NL", ["LU-FI2"], limit=10) == {"LU-FI2": ["LU-AR9"]}


DELETE_FI2 = reporting_fi("LU-FI9", "OECD3", corr="LU-FI2")


def test_an_institution_deleted_alone_in_the_store(institution: Engine) -> None:
    found = _findings(StoreHistory(institution), _crs702(4), (DELETE_FI2,))
    assert _codes(found) == [(80009, ("LU-AR4", "LU-AR5", "LU-AR7", "LU-FI9"))]


def test_an_institution_deleted_with_its_stored_reports(institution: Engine) -> None:
    """LU-AR4 deleted in a body before the deletion of LU-FI2, LU-AR5 and LU-AR7 after it; without the
    deletion of LU-AR7, it is found."""
    records = (
        reporting_fi("LU-FI8", "OECD0"),
        _delete("LU-AR4", "LU-AR10"),
        reporting_fi("LU-FI9", "OECD3", corr="LU-FI2", body=1),
        _delete("LU-AR5", "LU-AR11", body=1),
        _delete("LU-AR7", "LU-AR12", body=1),
    )
    assert _findings(StoreHistory(institution), _crs702(4), records) == []
    found = _findings(StoreHistory(institution), _crs702(4), records[:-1])
    assert _codes(found) == [(80009, ("LU-AR7", "LU-FI9"))]


def test_an_institution_whose_reports_an_earlier_file_deleted(institution: Engine) -> None:
    deletions = (
        reporting_fi("LU-FI2", "OECD0"),
        _delete("LU-AR4", "LU-AR10"),
        _delete("LU-AR5", "LU-AR11"),
        _delete("LU-AR7", "LU-AR12"),
    )
    assert _codes(_findings(StoreHistory(institution), _crs702(4), (DELETE_FI2,)))[0][0] == 80009
    _store(institution, "fourth", _crs702(4), deletions)
    assert _findings(StoreHistory(institution), _crs702(5), (DELETE_FI2,)) == []


def test_a_fatca_institution_deleted_alone(db_engine: Engine) -> None:
    """FATCA3, and a PoolReport stands under its ReportingFI as an AccountReport does."""
    first = (reporting_fi("LU-FI1", "FATCA1"), account_report("LU-AR1", "FATCA1"), _pool("LU-PR1"))
    _store(db_engine, "fatca", _fatca(1), first)
    deletion = reporting_fi("LU-FI2", "FATCA3", corr="LU-FI1")
    found = _findings(StoreHistory(db_engine), _fatca(2), (deletion,))
    assert _codes(found) == [(80009, ("LU-AR1", "LU-PR1", "LU-FI2"))]
    complete = (
        deletion,
        account_report("LU-AR2", "FATCA3", corr="LU-AR1"),
        _pool("LU-PR2", "FATCA3", corr="LU-PR1"),
    )
    assert _findings(StoreHistory(db_engine), _fatca(2), complete) == []


def test_the_store_is_asked_once_for_the_reports_under_deleted_institutions(db_engine: Engine) -> None:
    reports = tuple(account_report(f"LU-AR{number:02d}") for number in range(25))
    _store(
        db_engine,
        "first",
        header(message_ref_id="LU2024BE000001", period=YEAR_2024),
        (reporting_fi("LU-FI1"), *reports),
    )
    deletion = (
        reporting_fi("LU-FI2", "OECD3", corr="LU-FI1"),
        *(_delete(f"LU-AR{number:02d}", f"LU-AR{number + 100}") for number in range(25)),
    )
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(db_engine, "before_cursor_execute", count)
    try:
        assert _findings(StoreHistory(db_engine), _crs702(2), deletion, chunk_size=10) == []
    finally:
        event.remove(db_engine, "before_cursor_execute", count)
    # One MessageRefId query; per chunk of 10 (26 records: 3 chunks) one DocRefId query and one for the
    # reporting periods of the versions found; and one query, at the end, for the reports under LU-FI1.
    assert len(statements) == 1 + 3 * 2 + 1
    assert sum("row_number" in statement.lower() for statement in statements) == 1
