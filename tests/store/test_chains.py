"""Correction chains across files: new, corrected, deleted, resent; and the codes that refuse a record."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from exchange.records import AccountReport, DocSpec, FIRole, NilReport, PoolReport, StreamItem
from exchange.store import DocState, FileState, doc_ref_states, store_file
from exchange.store.models import AccountReportRow, PartyRow, PaymentRow, PoolReportRow, ReportingFIRow
from exchange.store.queries import current_reports_of_party, history, latest_version, to_account_report
from exchange.validation.findings import Finding
from tests.store import factory as f
from tests.store.conftest import status_builder


def _codes(findings: tuple[Finding, ...]) -> list[tuple[int, tuple[str, ...]]]:
    return [(finding.code, finding.doc_ref_ids) for finding in findings]


def _states(engine: Engine, *doc_ref_ids: str) -> dict[str, DocState]:
    return {ref: status.state for ref, status in doc_ref_states(engine, f.SENDER, doc_ref_ids).items()}


def test_new_then_corrected_then_deleted_across_three_files(db_engine: Engine) -> None:
    first = store_file(
        db_engine,
        f.packet("file-1"),
        f.header("NL2025BE001"),
        [f.reporting_fi("FI-1"), f.account_report("AR-1", balance="100.00"), f.account_report("AR-2")],
        status=status_builder,
    )
    assert (first.state, first.records_stored, first.findings) == (FileState.STORED, 3, ())

    second = store_file(
        db_engine,
        f.packet("file-2"),
        f.header("NL2025BE002", "CRS702"),
        [f.reporting_fi("FI-1", "OECD0"), f.account_report("AR-1b", "OECD2", "AR-1", balance="200.00")],
    )
    assert (second.state, second.records_stored, second.findings) == (FileState.STORED, 2, ())
    assert _states(db_engine, "AR-1", "AR-1b", "FI-1") == {
        "AR-1": DocState.SUPERSEDED,
        "AR-1b": DocState.CURRENT,
        "FI-1": DocState.CURRENT,  # a resend repeats the FI, it adds no version
    }

    third = store_file(
        db_engine,
        f.packet("file-3"),
        f.header("NL2025BE003", "CRS702"),
        [f.reporting_fi("FI-1", "OECD0"), f.account_report("AR-1c", "OECD3", "AR-1b", balance="200.00")],
    )
    assert third.state is FileState.STORED and third.findings == ()
    assert _states(db_engine, "AR-1", "AR-1b", "AR-1c", "AR-2") == {
        "AR-1": DocState.SUPERSEDED,
        "AR-1b": DocState.DELETED,
        "AR-1c": DocState.DELETED,
        "AR-2": DocState.CURRENT,
    }

    with Session(db_engine) as session:
        # Any version's DocRefId leads to the whole history, oldest first, in one query.
        chain = history(session, f.SENDER, "AR-1b")
        assert [(v.doc_ref_id, v.doc_type_indic, v.state) for v in chain] == [
            ("AR-1", "OECD1", DocState.SUPERSEDED),
            ("AR-1b", "OECD2", DocState.DELETED),
            ("AR-1c", "OECD3", DocState.DELETED),
        ]
        assert [v.file_id for v in chain] == [first.file_id, second.file_id, third.file_id]
        latest = latest_version(session, f.SENDER, "AR-1")
        assert latest is not None and (latest.doc_ref_id, latest.state) == ("AR-1c", DocState.DELETED)
        # Only AR-2 is still live for the holder both reports name.
        live = current_reports_of_party(session, "85073003328", issued_by="BE")
        assert [row.doc_record.doc_ref_id for row in live] == ["AR-2"]


def test_a_correction_of_a_correction(db_engine: Engine) -> None:
    store_file(db_engine, f.packet("a"), f.header("M1"), f.new_file("FI-1", [f.account_report("AR-1")]))
    store_file(
        db_engine, f.packet("b"), f.header("M2", "CRS702"), [f.account_report("AR-1b", "OECD2", "AR-1")]
    )
    outcome = store_file(
        db_engine,
        f.packet("c"),
        f.header("M3", "CRS702"),
        [f.account_report("AR-1c", "OECD2", "AR-1b", balance="999.99")],
    )
    assert outcome.findings == ()
    with Session(db_engine) as session:
        chain = history(session, f.SENDER, "AR-1")
        assert [(v.doc_ref_id, v.state) for v in chain] == [
            ("AR-1", DocState.SUPERSEDED),
            ("AR-1b", DocState.SUPERSEDED),
            ("AR-1c", DocState.CURRENT),
        ]
        assert {v.chain_id for v in chain} == {chain[0].id}
        assert [v.corrects_id for v in chain] == [None, chain[0].id, chain[1].id]
        (live,) = current_reports_of_party(session, "85073003328")
        assert str(live.balance) == "999.99"


def test_refusals_80000_80002_80003(db_engine: Engine) -> None:
    store_file(
        db_engine,
        f.packet("a"),
        f.header("M1"),
        f.new_file("FI-1", [f.account_report("AR-1"), f.account_report("AR-2")]),
    )
    store_file(
        db_engine, f.packet("b"), f.header("M2", "CRS702"), [f.account_report("AR-1b", "OECD2", "AR-1")]
    )
    store_file(
        db_engine, f.packet("c"), f.header("M3", "CRS702"), [f.account_report("AR-2x", "OECD3", "AR-2")]
    )

    outcome = store_file(
        db_engine,
        f.packet("d"),
        f.header("M4", "CRS702"),
        [
            f.account_report("AR-1", "OECD1"),  # 80000: reused from an earlier file
            f.account_report("AR-9", "OECD2", "AR-404"),  # 80002: names nothing
            f.account_report("AR-1z", "OECD2", "AR-1"),  # 80003: AR-1 was already corrected
            f.account_report("AR-2z", "OECD2", "AR-2"),  # 80003: AR-2 was deleted
            f.account_report("AR-2y", "OECD2", "AR-2x"),  # 80003: a deletion is no longer valid either
            f.account_report("AR-1c", "OECD2", "AR-1b"),  # fine: the current version
            f.account_report("AR-1d", "OECD2", "AR-1b"),  # 80003: AR-1b was corrected by the record above
            f.account_report("AR-5"),
            f.account_report("AR-5"),  # 80000: reused within the file
        ],
        status=status_builder,
    )
    assert outcome.state is FileState.STORED  # record errors do not reject the file
    assert outcome.outcome.value == "accepted_with_errors"
    assert _codes(outcome.findings) == [
        (80000, ("AR-1",)),
        (80002, ("AR-9",)),
        (80003, ("AR-1z",)),
        (80003, ("AR-2z",)),
        (80003, ("AR-2y",)),
        (80003, ("AR-1d",)),
        (80000, ("AR-5",)),
    ]
    assert all(finding.level == "record" for finding in outcome.findings)
    assert (outcome.records_stored, outcome.records_refused) == (2, 7)
    states = _states(db_engine, "AR-1", "AR-9", "AR-1z", "AR-1c", "AR-1d", "AR-5")
    assert states == {"AR-1": DocState.SUPERSEDED, "AR-1c": DocState.CURRENT, "AR-5": DocState.CURRENT}
    assert outcome.status_message is not None
    assert (
        outcome.status_message.content
        == b"<status>Accepted:80000,80002,80003,80003,80003,80003,80000</status>"
    )


def test_corrections_reach_across_batches_of_one_file(db_engine: Engine) -> None:
    """A record corrected later in the same file, in another batch: the earlier batch is already in the
    transaction, and the resolver must find it there."""
    reports = [f.account_report(f"AR-{n}") for n in range(5)]
    reports += [f.account_report("AR-0b", "OECD2", "AR-0"), f.account_report("AR-0c", "OECD2", "AR-0")]
    outcome = store_file(db_engine, f.packet("a"), f.header("M1"), f.new_file("FI-1", reports), batch_size=2)
    assert _codes(outcome.findings) == [(80003, ("AR-0c",))]
    assert _states(db_engine, "AR-0", "AR-0b") == {"AR-0": DocState.SUPERSEDED, "AR-0b": DocState.CURRENT}


def test_resend_and_kind_checks(db_engine: Engine) -> None:
    store_file(db_engine, f.packet("a"), f.header("M1"), f.new_file("FI-1", [f.account_report("AR-1")]))
    outcome = store_file(
        db_engine,
        f.packet("b"),
        f.header("M2", "CRS702"),
        [
            f.reporting_fi("FI-404", "OECD0"),  # 80013: resend of an unknown DocRefId
            f.account_report("AR-1", "OECD0"),  # 80008: only a ReportingFI may be resent
            f.account_report("AR-7", "OECD2", "FI-1"),  # 80002: FI-1 is no account report
            f.account_report("AR-8", "OECD2"),  # 80005: a correction without CorrDocRefId
            f.reporting_fi("FI-1b", "OECD2", "FI-1"),
            f.reporting_fi("FI-1", "OECD0"),  # 80014: FI-1 was corrected just before
        ],
    )
    assert _codes(outcome.findings) == [
        (80013, ("FI-404",)),
        (80008, ("AR-1",)),
        (80002, ("AR-7",)),
        (80005, ("AR-8",)),
        (80014, ("FI-1",)),
    ]


def test_validation_findings_refuse_records_and_are_not_repeated(db_engine: Engine) -> None:
    store_file(db_engine, f.packet("a"), f.header("M1"), f.new_file("FI-1", [f.account_report("AR-1")]))
    given = Finding(80002, "record", "unknown CorrDocRefId", doc_ref_ids=("AR-x",))
    format_error = Finding(60002, "record", "negative balance", doc_ref_ids=("AR-2",))
    outcome = store_file(
        db_engine,
        f.packet("b"),
        f.header("M2", "CRS702"),
        [
            given,
            f.account_report("AR-x", "OECD2", "AR-404"),
            format_error,
            f.account_report("AR-2", balance="-5.00"),  # stored: a 6xxxx error asks for a correction later
        ],
    )
    assert outcome.findings == (given, format_error)
    assert (outcome.records_stored, outcome.records_refused) == (1, 1)
    assert _states(db_engine, "AR-x", "AR-2") == {"AR-2": DocState.CURRENT}


def test_stored_reports_read_back_as_received(db_engine: Engine) -> None:
    reports: list[AccountReport] = [
        f.account_report("AR-1", balance="1234567890123.45"),
        f.entity_report("AR-2", "0403019261", "85073003328"),
        replace(
            f.account_report("AR-3", balance="0.00"),
            closed=True,
            dormant=False,
            undocumented=None,
            dd_procedure="CRS1201",
            account_type="CRS1101",
            joint_account=2,
            holder=replace(f.person("1960090900163"), self_cert="CRS901", equity_interest_types=("CRS401",)),
        ),
    ]
    nil = NilReport(DocSpec("OECD1", "NIL-1"))
    store_file(db_engine, f.packet("a"), f.header("M1"), [f.reporting_fi("FI-1"), *reports, nil])
    with Session(db_engine) as session:
        read = [to_account_report(row) for row in current_reports_of_party(session, "85073003328")]
        read += [to_account_report(row) for row in current_reports_of_party(session, "1960090900163")]
    assert read == [replace(report, body_index=0, group_index=0, line=None) for report in reports]
    assert _states(db_engine, "NIL-1") == {"NIL-1": DocState.CURRENT}


@pytest.mark.parametrize("balance", ["0.01", "-0.01", "99999999999999.99", "9999999999999999.99"])
def test_amounts_are_exact_and_compare_in_sql(db_engine: Engine, balance: str) -> None:
    reports = [f.account_report("AR-1", balance=balance)]
    store_file(db_engine, f.packet("a"), f.header("M1"), f.new_file("FI-1", reports))
    with Session(db_engine) as session:
        stored = session.scalars(select(AccountReportRow.balance)).one()
        assert stored == Decimal(balance) and str(stored) == balance
        # Comparisons and sums in SQL see amounts, whatever the engine stores.
        positive = session.scalars(select(AccountReportRow.id).where(AccountReportRow.balance > 0)).all()
        assert bool(positive) == (Decimal(balance) > 0)
        assert session.scalar(select(func.sum(PaymentRow.amount))) == Decimal("12.51")


def test_an_amount_beyond_the_range_refuses_only_its_record(db_engine: Engine) -> None:
    outcome = store_file(
        db_engine,
        f.packet("a"),
        f.header("M1"),
        f.new_file("FI-1", [f.account_report("AR-1", balance="1" + "0" * 16), f.account_report("AR-2")]),
    )
    assert _codes(outcome.findings) == [(99999, ("AR-1",))]
    assert _states(db_engine, "AR-1", "AR-2") == {"AR-2": DocState.CURRENT}


def test_reports_link_to_the_fi_sponsor_and_intermediary_of_their_group(db_engine: Engine) -> None:
    sponsor = replace(f.reporting_fi("SP-1"), role=FIRole.SPONSOR, group_index=0, filer_category="FATCA607")
    intermediary = replace(f.reporting_fi("IM-1"), role=FIRole.INTERMEDIARY, group_index=1)
    pool = PoolReport(DocSpec("FATCA1", "POOL-1"), 12, "FATCA201", Decimal("5000.00"), "USD", group_index=1)
    items: list[StreamItem] = [
        f.reporting_fi("FI-1"),
        sponsor,
        f.account_report("AR-1"),
        intermediary,
        replace(f.account_report("AR-2"), group_index=1),
        pool,
        replace(f.reporting_fi("FI-2"), body_index=1),
        replace(f.account_report("AR-3"), body_index=1),
    ]
    store_file(db_engine, f.packet("a"), f.header("M1"), items)
    with Session(db_engine) as session:
        fis = {row.doc_record.doc_ref_id: row.id for row in session.scalars(select(ReportingFIRow))}
        links = {
            row.doc_record.doc_ref_id: (row.reporting_fi_id, row.sponsor_id, row.intermediary_id)
            for row in session.scalars(select(AccountReportRow))
        }
        stored_pool = session.scalars(select(PoolReportRow)).one()
        identity = session.scalars(select(PartyRow).where(PartyRow.reporting_fi_id == fis["SP-1"])).one()
        described = (identity.role, identity.kind, [name.full_name for name in identity.names])
    assert links == {
        "AR-1": (fis["FI-1"], fis["SP-1"], None),
        "AR-2": (fis["FI-1"], None, fis["IM-1"]),  # a new group has no sponsor unless it names one
        "AR-3": (fis["FI-2"], None, None),
    }
    assert (stored_pool.reporting_fi_id, stored_pool.account_count, stored_pool.balance) == (
        fis["FI-1"],
        12,
        Decimal("5000.00"),
    )
    assert described == ("sponsor", "organisation", ["Voorbeeld Bank N.V."])
