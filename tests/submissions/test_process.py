"""A domestic institution's submission through `exchange.submissions.process`, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine, select

from crypto.provision import AuthorityFolders
from exchange.records import TIN
from exchange.settings import Settings
from exchange.store.answers import AnswerSelection, files_without_answer, stored_answers
from exchange.store.models import ReceivedFile
from exchange.submissions.process import Submissions
from exchange.validation.rules.store_history import StoreHistory
from tests.submissions.conftest import (
    INSTITUTION,
    bank,
    codes_of,
    read_answer,
    report,
    status_of,
    submission,
)


def _stored(engine: Engine, sha256: str) -> tuple[str, str, str]:
    with engine.connect() as connection:
        row = connection.execute(
            select(ReceivedFile.direction, ReceivedFile.sender, ReceivedFile.profile).where(
                ReceivedFile.packet_sha256 == sha256
            )
        ).one()
    return row.direction, row.sender, row.profile


def test_an_accepted_submission_is_stored_as_submitted_and_answered_signed(
    be_settings: Settings, db_engine: Engine, benelux: dict[str, AuthorityFolders]
) -> None:
    result = Submissions(be_settings, db_engine).process(
        submission(report("BE2025-0403019261-AR1", "NL"), report("BE2025-0403019261-AR2", "LU"))
    )
    assert result.disposition == "accepted" and result.institution == INSTITUTION
    assert result.outcome is not None and result.outcome.records_stored == 3
    assert _stored(db_engine, result.sha256) == ("submitted", INSTITUTION, "DOMESTIC")
    assert result.answer is not None
    message = read_answer(result.answer, benelux["BE"])
    assert status_of(message) == "Accepted"


def test_the_same_submission_again_is_answered_with_the_same_bytes(
    be_settings: Settings, db_engine: Engine
) -> None:
    document = submission()
    first = Submissions(be_settings, db_engine).process(document)
    again = Submissions(be_settings, db_engine).process(document, "another-key")
    assert again.outcome is not None and again.outcome.replayed
    assert again.answer == first.answer and again.institution == INSTITUTION


def test_a_correction_finds_the_institutions_earlier_report(be_settings: Settings, db_engine: Engine) -> None:
    submissions = Submissions(be_settings, db_engine)
    submissions.process(submission(report("BE2025-0403019261-AR1")))
    correction = submission(
        report("BE2025-0403019261-AR1b", indic="OECD2", corr="BE2025-0403019261-AR1"),
        message_ref_id="BE2025BE-0403019261-2",
        indic="CRS702",
        fi=bank(doc_ref_id="BE2025-0403019261-FI2"),
    )
    result = submissions.process(correction)
    assert result.disposition == "accepted", result.outcome
    known = StoreHistory(db_engine).doc_ref_states(INSTITUTION, ["BE2025-0403019261-AR1"])
    assert known["BE2025-0403019261-AR1"].state.value == "superseded"


def test_a_correction_of_an_unknown_report_is_told_to_the_institution(
    be_settings: Settings, db_engine: Engine, benelux: dict[str, AuthorityFolders]
) -> None:
    correction = submission(
        report("BE2025-0403019261-AR1b", indic="OECD2", corr="BE2025-0403019261-AR9"), indic="CRS702"
    )
    result = Submissions(be_settings, db_engine).process(correction)
    assert result.answer is not None
    assert 80002 in codes_of(read_answer(result.answer, benelux["BE"]), "RecordError")


def test_an_institution_without_a_domestic_identifier_is_rejected(
    be_settings: Settings, db_engine: Engine, benelux: dict[str, AuthorityFolders]
) -> None:
    result = Submissions(be_settings, db_engine).process(submission(fi=bank(TIN("B000001", issued_by="LU"))))
    assert result.disposition == "rejected" and result.answer is not None
    message = read_answer(result.answer, benelux["BE"])
    assert status_of(message) == "Rejected" and codes_of(message, "FileError") == [98302]


def test_a_submission_naming_no_institution_is_rejected_under_its_key(
    be_settings: Settings, db_engine: Engine, benelux: dict[str, AuthorityFolders]
) -> None:
    result = Submissions(be_settings, db_engine).process(submission(institution=None), "bank-key")
    assert result.disposition == "rejected" and result.institution == "bank-key"
    assert result.answer is not None
    assert codes_of(read_answer(result.answer, benelux["BE"]), "FileError") == [98301]


def test_a_partners_file_on_the_submissions_topic_is_rejected(
    be_settings: Settings, db_engine: Engine, benelux: dict[str, AuthorityFolders]
) -> None:
    result = Submissions(be_settings, db_engine).process(submission(transmitting="NL"))
    assert result.disposition == "rejected" and result.answer is not None
    assert 98305 in codes_of(read_answer(result.answer, benelux["BE"]), "FileError")


def test_answers_resend_leaves_institutions_answers_alone(be_settings: Settings, db_engine: Engine) -> None:
    """`exchange answers resend` publishes partners' status packets on the status topic: an institution's
    signed answer is no packet and is not for a partner."""
    submissions = Submissions(be_settings, db_engine)
    result = submissions.process(submission())
    submissions.mark_answered(result)
    assert result.outcome is not None
    window = AnswerSelection(since=datetime(2000, 1, 1, tzinfo=UTC))
    assert list(stored_answers(db_engine, window)) == []
    assert files_without_answer(db_engine, [result.outcome.file_id]) == [result.outcome.file_id]
