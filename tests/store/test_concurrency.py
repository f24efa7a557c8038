"""Two workers at once: files of the same sender serialise into consistent chains, and the loser of a
race on the same packet gets the stored outcome."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from exchange.records import AccountReport
from exchange.store import FileOutcome, FileState, store_file
from exchange.store.models import DocRecord
from tests.store import factory as f

ORIGINALS = 60


def _slowly(reports: Iterator[AccountReport]) -> Iterator[AccountReport]:
    """A stream that takes its time, as a big file does, so the other worker arrives during the load."""
    for report in reports:
        time.sleep(0.002)
        yield report


def _run_together(*jobs: Callable[[], FileOutcome]) -> list[FileOutcome]:
    barrier = threading.Barrier(len(jobs))
    results: list[FileOutcome | BaseException] = [RuntimeError("did not run")] * len(jobs)

    def worker(index: int, job: Callable[[], FileOutcome]) -> None:
        barrier.wait()
        try:
            results[index] = job()
        except BaseException as exc:
            results[index] = exc

    threads = [threading.Thread(target=worker, args=item) for item in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return [result for result in results if isinstance(result, FileOutcome)]


def test_two_files_of_one_sender_at_once_leave_consistent_chains(db_engine: Engine) -> None:
    store_file(db_engine, f.packet("base"), f.header("M0"), f.new_file("FI-1", f.many_reports(ORIGINALS)))
    originals = [f"NL2025BE-AR{n:08d}" for n in range(ORIGINALS)]

    def correct_all(tag: str) -> FileOutcome:
        # Both files correct every original report and add reports of their own.
        corrections = (f.account_report(f"{tag}-{ref}", "OECD2", ref, balance="7.00") for ref in originals)
        news = f.many_reports(20, prefix=f"{tag}-NEW")
        stream = _slowly(iter([*corrections, *news]))
        return store_file(db_engine, f.packet(tag), f.header(f"M-{tag}", "CRS702"), stream, batch_size=25)

    first, second = _run_together(lambda: correct_all("A"), lambda: correct_all("B"))

    # One file went first and took every chain; the other found them all corrected already (80003).
    winner, loser = (first, second) if not first.findings else (second, first)
    assert (winner.findings, winner.records_stored) == ((), ORIGINALS + 20)
    assert Counter(finding.code for finding in loser.findings) == {80003: ORIGINALS}
    assert loser.records_stored == 20 and loser.state is FileState.STORED

    with Session(db_engine) as session:
        versions = session.scalars(select(DocRecord).where(DocRecord.kind == "account_report")).all()
    current_per_chain = Counter(v.chain_id for v in versions if v.state == "current")
    assert len(current_per_chain) == ORIGINALS + 40
    assert set(current_per_chain.values()) == {1}  # never two live versions of one record
    corrected = Counter(v.corrects_id for v in versions if v.corrects_id is not None)
    assert len(corrected) == ORIGINALS and set(corrected.values()) == {1}


def test_the_same_packet_twice_at_once_is_stored_once(db_engine: Engine) -> None:
    def store() -> FileOutcome:
        stream = _slowly(f.many_reports(40))
        return store_file(
            db_engine, f.packet("twice"), f.header("M1"), f.new_file("FI-1", stream), batch_size=10
        )

    outcomes = _run_together(store, store)
    assert sorted(outcome.replayed for outcome in outcomes) == [False, True]
    assert {(o.file_id, o.state, o.records_stored, o.findings) for o in outcomes} == {
        (outcomes[0].file_id, FileState.STORED, 41, ())
    }
