"""The pipeline end to end without Kafka: packets in, stored outcomes and signed answers out."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crypto.provision import AuthorityFolders
from exchange.db import create_db_engine, upgrade
from exchange.pipeline import Pipeline
from exchange.settings import Settings
from exchange.store.models import AccountReportRow
from tests.pipeline.conftest import CSM, builders, codes_of, crs_file, open_answer, seal, status_of


def _pipeline(settings: Settings) -> Pipeline:
    engine = create_db_engine(settings.effective_database_url)
    upgrade(engine)
    return Pipeline(settings, engine)


def _stored_reports(pipeline: Pipeline) -> int:
    with Session(pipeline.engine) as session:
        return int(session.scalar(select(func.count()).select_from(AccountReportRow)) or 0)


def test_valid_file_is_stored_and_answered_accepted(
    be_settings: Settings, benelux: dict[str, AuthorityFolders], tmp_path: Path
) -> None:
    pipeline = _pipeline(be_settings)
    packet = seal(crs_file("LU", message_ref_id="LU2025BE0001"), benelux["LU"], benelux["BE"], tmp_path)
    result = pipeline.process(packet)
    assert result.disposition == "accepted"
    assert result.outcome is not None and result.outcome.records_stored == 2  # the FI and one report
    assert _stored_reports(pipeline) == 1
    assert result.answer_to == "LU"
    message = open_answer(result.answer or b"", benelux["LU"])
    assert status_of(message) == "Accepted"
    assert message.findtext(f".//{{{CSM}}}OriginalMessageRefID") == "LU2025BE0001"
    assert message.findtext(f".//{{{CSM}}}ReceivingCountry") == "LU"
    assert message.findtext(f".//{{{CSM}}}TransmittingCountry") == "BE"


def test_record_errors_are_answered_and_the_file_kept(
    be_settings: Settings, benelux: dict[str, AuthorityFolders], tmp_path: Path
) -> None:
    pipeline = _pipeline(be_settings)
    negative = replace(builders.account_report(doc_ref_id="LU2025BE-NEG"), balance=Decimal("-5.00"))
    document = crs_file("LU", builders.account_report(), negative, message_ref_id="LU2025BE0002")
    result = pipeline.process(seal(document, benelux["LU"], benelux["BE"], tmp_path))
    assert result.disposition == "accepted_with_errors"
    message = open_answer(result.answer or b"", benelux["LU"])
    assert status_of(message) == "Accepted"
    assert codes_of(message, "RecordError") == [60002]
    assert message.findtext(f".//{{{CSM}}}DocRefIDInError") == "LU2025BE-NEG"


def test_schema_invalid_file_is_rejected_and_nothing_stored(
    be_settings: Settings, benelux: dict[str, AuthorityFolders], tmp_path: Path
) -> None:
    pipeline = _pipeline(be_settings)
    document = crs_file("NL", message_ref_id="NL2025BE0003").replace(
        b"<crs:MessageType>CRS<", b"<crs:MessageType>XX<"
    )
    result = pipeline.process(seal(document, benelux["NL"], benelux["BE"], tmp_path))
    assert result.disposition == "rejected"
    assert result.outcome is not None and result.outcome.rejection_code == 50007
    assert _stored_reports(pipeline) == 0
    message = open_answer(result.answer or b"", benelux["NL"])
    assert status_of(message) == "Rejected"
    assert codes_of(message, "FileError") == [50007]


def test_corrupt_ciphertext_is_answered_50002(
    be_settings: Settings, benelux: dict[str, AuthorityFolders], tmp_path: Path
) -> None:
    import io
    import zipfile

    pipeline = _pipeline(be_settings)
    packet = seal(crs_file("NL"), benelux["NL"], benelux["BE"], tmp_path)
    source = zipfile.ZipFile(io.BytesIO(packet))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename.endswith("_Payload"):
                data = data[:-1] + bytes([data[-1] ^ 0x55])  # the padding block
            target.writestr(info, data)
    result = pipeline.process(out.getvalue())
    assert result.disposition == "rejected"
    message = open_answer(result.answer or b"", benelux["NL"])
    assert codes_of(message, "FileError") == [50002]


def test_signed_by_another_jurisdiction_is_50004(
    be_settings: Settings, benelux: dict[str, AuthorityFolders], tmp_path: Path
) -> None:
    """LU signs a packet that claims to come from NL: the signer is not NL's registered certificate."""
    pipeline = _pipeline(be_settings)
    impostor = AuthorityFolders("NL", benelux["LU"].keys_dir, benelux["NL"].partners_dir)
    from crypto import PacketRequest, Profile, create_packet

    created = create_packet(
        crs_file("NL"),
        PacketRequest(Profile.CTS, "NL", "BE", "CRS"),
        signer=impostor.keyring().signing_pair("LU"),
        receiver_certificate=benelux["NL"].trust().encryption_certificate("BE"),
        directory=tmp_path,
    )
    result = pipeline.process(created.path.read_bytes())
    assert result.disposition == "rejected"
    assert result.outcome is not None and result.outcome.rejection_code == 50004
    assert _stored_reports(pipeline) == 0
    assert codes_of(open_answer(result.answer or b"", benelux["NL"]), "FileError") == [50004]


def test_redelivery_gives_the_same_answer(
    be_settings: Settings, benelux: dict[str, AuthorityFolders], tmp_path: Path
) -> None:
    pipeline = _pipeline(be_settings)
    packet = seal(crs_file("LU", message_ref_id="LU2025BE0007"), benelux["LU"], benelux["BE"], tmp_path)
    first = pipeline.process(packet)
    again = pipeline.process(packet)
    assert again.outcome is not None and again.outcome.replayed
    assert again.answer == first.answer and again.answer_filename == first.answer_filename
    assert _stored_reports(pipeline) == 1


def test_other_bytes_with_a_used_message_ref_id_are_50009(
    be_settings: Settings, benelux: dict[str, AuthorityFolders], tmp_path: Path
) -> None:
    pipeline = _pipeline(be_settings)
    document = crs_file("LU", message_ref_id="LU2025BE0008")
    assert pipeline.process(seal(document, benelux["LU"], benelux["BE"], tmp_path)).disposition == "accepted"
    resent = pipeline.process(seal(document, benelux["LU"], benelux["BE"], tmp_path))  # new packet, same id
    assert resent.disposition == "rejected"
    assert codes_of(open_answer(resent.answer or b"", benelux["LU"]), "FileError") == [50009]


def test_what_cannot_be_answered_is_a_dead_letter(be_settings: Settings, tmp_path: Path) -> None:
    pipeline = _pipeline(be_settings)
    assert "not" in (pipeline.process(b"this is not a zip").dead_letter or "")
    stranger = provision_stranger(tmp_path)
    packet = seal(crs_file("FR"), stranger["FR"], stranger["BE"], tmp_path)
    result = pipeline.process(packet)
    assert result.disposition == "dead-letter"
    assert "FR" in (result.dead_letter or "")


def provision_stranger(tmp_path: Path) -> dict[str, AuthorityFolders]:
    """France, which our BE does not know, with a BE of its own imagination."""
    from crypto.provision import provision_authorities

    return provision_authorities(tmp_path / "stranger", ["FR", "BE"])
