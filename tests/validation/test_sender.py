"""The document comes from the packet's authenticated sender (50004), and its identifiers' country
prefixes (50008, 80001) are checked against that sender: through `exchange process`, with packets sealed
by the Benelux authorities' real keys."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select

from exchange.cli.main import main
from exchange.store.models import AccountReportRow, ReceivedFile
from tests.validation.documents import lu_document, validate_json
from tests.validation.packets import Receiver, file_error_codes


def _stored(db_url: str) -> tuple[list[str], int]:
    """The senders of the files received, and the account reports stored."""
    engine = create_engine(db_url)
    try:
        with engine.connect() as connection:
            senders = list(connection.scalars(select(ReceivedFile.sender)))
            reports = connection.scalar(select(func.count()).select_from(AccountReportRow))
    finally:
        engine.dispose()
    return senders, int(reports or 0)


def test_a_document_from_its_signer_is_accepted(belgium: Receiver, db_url: str) -> None:
    exit_code, result = belgium.process(belgium.seal(lu_document(), sender="LU"))
    assert (exit_code, result["disposition"], result["findings"]) == (0, "accepted", [])
    assert _stored(db_url) == (["LU"], 1)


def test_a_document_that_names_another_sender_than_its_signer_is_rejected(
    belgium: Receiver, db_url: str
) -> None:
    """NL signs, with NL's metadata, a document whose header, MessageRefId and DocRefIds say LU."""
    exit_code, result = belgium.process(belgium.seal(lu_document(), sender="NL"))
    assert (exit_code, result["disposition"], result["rejection_code"]) == (1, "rejected", 50004)
    assert result["answer_to"] == "NL"  # the authenticated sender is answered, not the one claimed
    # The MessageRefId and the DocRefIds are LU's, not NL's: wrong for the sender that signed them.
    assert sorted({f["code"] for f in result["findings"]}) == [50004, 50008, 80001]
    assert file_error_codes(belgium.answer(result, "NL")) == [50004, 50008]
    assert _stored(db_url) == (["NL"], 0)  # a file from NL, rejected: no report kept


def test_without_a_packet_the_sender_is_not_checked_and_validate_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EXCHANGE_HOME_JURISDICTION", "BE")
    result = validate_json(lu_document(), tmp_path, capsys)
    assert (result["findings"], result["sender_authenticated"]) == ([], False)
    path = tmp_path / "document.xml"
    assert main(["validate", str(path)]) == 0
    assert "no authenticated sender" in capsys.readouterr().out
