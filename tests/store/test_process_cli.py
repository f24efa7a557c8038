"""`exchange process` says the verdict in the Outcome vocabulary, and an answer it cannot write is one
line that says what to fix, the outcome kept for the next try."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crypto.provision import AuthorityFolders
from exchange.cli.main import main
from exchange.settings import Settings
from tests.pipeline.effects import benelux_files


@pytest.fixture
def packet(
    be_settings: Settings,
    benelux: dict[str, AuthorityFolders],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Path:
    for name, value in {
        "EXCHANGE_DATABASE_URL": be_settings.effective_database_url,
        "EXCHANGE_KEYS_DIR": str(be_settings.effective_keys_dir),
        "EXCHANGE_PARTNERS_DIR": str(be_settings.effective_partners_dir),
    }.items():
        monkeypatch.setenv(name, value)
    _, content = benelux_files(benelux, tmp_path)["NL2025BE0002"]  # a negative balance: 60002
    path = tmp_path / "packet.zip"
    path.write_bytes(content)
    return path


def test_process_names_the_outcome_and_the_state(packet: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["process", str(packet)]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith("accepted_with_errors: file 1 from NL to BE (CRS), state flagged")
    assert "60002 record NL2025BE-NEG" in out
    assert main(["process", str(packet), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert (result["outcome"], result["replayed"]) == ("accepted_with_errors", True)


def test_an_answer_that_cannot_be_written_is_one_line_and_can_be_written_later(
    packet: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    assert main(["process", str(packet), "--answer-dir", str(blocked / "answers")]) == 1
    # Besides warnings (the store has no registry yet), the failure is one line, said once.
    errors = [line for line in capsys.readouterr().err.splitlines() if '"level": "warning"' not in line]
    assert len(errors) == 1 and errors[0].startswith(
        "error: the file is accepted_with_errors, but its answer"
    )
    assert main(["process", str(packet), "--answer-dir", str(tmp_path / "answers"), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert Path(result["answer_path"]).is_file() and result["state"] == "answered"
