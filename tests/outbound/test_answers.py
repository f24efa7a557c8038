"""Partners' status messages about what we sent: opened and verified by our pipeline, matched to our
message, stored, and their record errors traced back to the institution's submission, which waits for a
correction until the institution sends one. On SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, func, select, update

from crypto import PacketRequest, Profile, create_packet
from crypto.provision import AuthorityFolders
from exchange import db
from exchange.outbound.cut import cut
from exchange.outbound.models import OutboundAnswer, OutboundDoc, OutboundMessage
from exchange.outbound.package import package
from exchange.outbound.queries import awaiting_correction, message
from exchange.pipeline import Pipeline
from exchange.settings import Settings
from exchange.status import OriginalMessage, build_status_message, to_bytes
from exchange.submissions.process import Submissions
from exchange.validation.findings import Finding, file_error
from tests.submissions.conftest import CSM, bank, codes_of, read_answer, report, status_of, submission

AR = "BE2025-0403019261-AR"


def _sent_to_nl(settings: Settings, engine: Engine) -> tuple[int, str, dict[str, str]]:
    """A submission of two NL accounts, cut and packaged: our message id, MessageRefId, and our
    DocRefId of each institution's DocRefId."""
    result = Submissions(settings, engine).process(submission(report(f"{AR}1", "NL"), report(f"{AR}2", "NL")))
    assert result.outcome is not None
    [made] = cut(engine, settings, 2025)
    package(engine, settings, made.id)
    with engine.connect() as connection:
        ours = dict(
            connection.execute(
                select(OutboundDoc.domestic_doc_ref_id, OutboundDoc.doc_ref_id).where(
                    OutboundDoc.file_id == result.outcome.file_id
                )
            ).all()
        )
    return made.id, made.message_ref_id, ours


def _nl_answer(nl: AuthorityFolders, original: str, findings: list[Finding], tmp: Path) -> bytes:
    """NL's status message about our message, sealed for us as NL's pipeline seals its answers."""
    message = build_status_message(OriginalMessage(original, "BE"), findings, home="NL")
    created = create_packet(
        to_bytes(message),
        PacketRequest(Profile.CTS, "NL", "BE", "CRSStatus", tax_year=2025),
        signer=nl.keyring().signing_pair("NL"),
        receiver_certificate=nl.trust().encryption_certificate("BE"),
        directory=tmp,
    )
    return created.path.read_bytes()


def test_the_partners_own_answer_comes_back_as_accepted(
    be_settings: Settings, db_engine: Engine, benelux: dict[str, AuthorityFolders], tmp_path: Path
) -> None:
    message_id, _, _ = _sent_to_nl(be_settings, db_engine)
    nl = benelux["NL"]
    nl_settings = Settings(
        home_jurisdiction="NL", data_dir=tmp_path / "nl", keys_dir=nl.keys_dir, partners_dir=nl.partners_dir
    )
    nl_engine = db.create_db_engine(nl_settings.effective_database_url)
    db.upgrade(nl_engine)
    packet = package(db_engine, be_settings, message_id).packet
    try:
        at_nl = Pipeline(nl_settings, nl_engine).process(packet)
    finally:
        nl_engine.dispose()
    assert at_nl.answer is not None and at_nl.answer_to == "BE"
    back = Pipeline(be_settings, db_engine).process(at_nl.answer)
    assert back.disposition == "partner-answer" and back.dead_letter is None
    shown = message(db_engine, str(message_id))
    assert shown is not None and [a["status"] for a in shown["answers"]] == ["Accepted"]


def test_record_errors_come_back_to_the_submission_until_it_is_corrected(
    be_settings: Settings, db_engine: Engine, benelux: dict[str, AuthorityFolders], tmp_path: Path
) -> None:
    _, message_ref_id, ours = _sent_to_nl(be_settings, db_engine)
    error = Finding(code=60002, level="record", message="negative balance", doc_ref_ids=(ours[f"{AR}1"],))
    answer = _nl_answer(benelux["NL"], message_ref_id, [error], tmp_path)
    pipeline = Pipeline(be_settings, db_engine)
    first = pipeline.process(answer)
    assert first.disposition == "partner-answer"
    again = pipeline.process(answer)  # a redelivery before the notice was confirmed sent
    assert again.disposition == "partner-answer"
    with db_engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(OutboundAnswer)).scalar_one() == 1
    # The institution's notice: stored once, the same bytes again until it is confirmed sent.
    [notice] = first.notices
    assert notice.institution == "0403019261" and again.notices == first.notices
    told = read_answer(notice.content, benelux["BE"])
    assert status_of(told) == "Accepted" and codes_of(told, "RecordError") == [60002]
    assert told.findtext(f".//{{{CSM}}}OriginalMessageRefID") == "BE2025BE-0403019261-1"
    assert [e.text for e in told.iterfind(f".//{{{CSM}}}DocRefIDInError")] == [f"{AR}1"]  # its own id
    pipeline.mark_sent(first)
    assert pipeline.process(answer).notices == ()
    [waiting] = awaiting_correction(db_engine)
    assert (waiting["partner"], waiting["institution"], waiting["records"]) == ("NL", "0403019261", 1)
    Submissions(be_settings, db_engine).process(
        submission(
            report(f"{AR}1b", "NL", indic="OECD2", corr=f"{AR}1"),
            message_ref_id="BE2025BE-0403019261-2",
            indic="CRS702",
            fi=bank(doc_ref_id="BE2025-0403019261-FI2"),
        )
    )
    [correction] = cut(db_engine, be_settings, 2025)
    assert awaiting_correction(db_engine) == [waiting]  # the correction is cut, not yet sent on
    with db_engine.begin() as connection:  # what `exchange outbound send` records once NL has it
        connection.execute(
            update(OutboundMessage).where(OutboundMessage.id == correction.id).values(sent_at=func.now())
        )
    assert awaiting_correction(db_engine) == []


def test_a_rejection_is_stored_with_its_file_errors(
    be_settings: Settings, db_engine: Engine, benelux: dict[str, AuthorityFolders], tmp_path: Path
) -> None:
    message_id, message_ref_id, _ = _sent_to_nl(be_settings, db_engine)
    answer = _nl_answer(benelux["NL"], message_ref_id, [file_error(50003, "cannot decrypt")], tmp_path)
    assert Pipeline(be_settings, db_engine).process(answer).disposition == "partner-answer"
    shown = message(db_engine, str(message_id))
    assert shown is not None
    assert [(a["status"], a["file_errors"]) for a in shown["answers"]] == [("Rejected", [50003])]


def test_an_answer_to_no_message_of_ours_is_a_dead_letter(
    be_settings: Settings, db_engine: Engine, benelux: dict[str, AuthorityFolders], tmp_path: Path
) -> None:
    answer = _nl_answer(benelux["NL"], "BE2025NL-never-sent", [], tmp_path)
    result = Pipeline(be_settings, db_engine).process(answer)
    assert result.dead_letter is not None and "no message we sent" in result.dead_letter
