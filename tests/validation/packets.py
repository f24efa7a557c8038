"""`exchange process` on packets the tests seal, as Belgium receives them: the CLI, the real pipeline,
the real store (SQLite and PostgreSQL), answers opened with the sender's key."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from crypto.provision import AuthorityFolders
from exchange.cli.main import main
from tests.crypto.helpers import with_signed_xml
from tests.pipeline.conftest import codes_of, open_answer, seal


@dataclass
class Receiver:
    """Belgium, set up for `exchange process` through the environment."""

    benelux: dict[str, AuthorityFolders]
    folder: Path
    capsys: pytest.CaptureFixture[str]

    def seal(
        self, document: bytes, sender: str = "LU", change: Callable[[bytes], bytes] | None = None
    ) -> Path:
        """A CTS packet of `document` from `sender`, its signed XML changed by `change` after signing."""
        packet = seal(document, self.benelux[sender], self.benelux["BE"], self.folder)
        if change is not None:
            receiver_key = self.benelux["BE"].keyring().private_keys("BE")[0]
            packet = with_signed_xml(packet, receiver_key, change)
        path = self.folder / f"packet-{len(list(self.folder.glob('packet-*')))}.zip"
        path.write_bytes(packet)
        return path

    def process(self, packet: Path) -> tuple[int, dict[str, Any]]:
        self.capsys.readouterr()
        answers = self.folder / "answers"
        exit_code = main(["process", "--json", "--answer-dir", str(answers), str(packet)])
        return exit_code, json.loads(self.capsys.readouterr().out)

    def answer(self, result: dict[str, Any], sender: str) -> etree._Element:
        """The status message the sender receives, opened with its key and checked against the schema."""
        return open_answer(Path(result["answer_path"]).read_bytes(), self.benelux[sender])


def file_error_codes(message: etree._Element) -> list[int]:
    return codes_of(message, "FileError")


@pytest.fixture
def belgium(
    benelux: dict[str, AuthorityFolders],
    db_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> Receiver:
    for name, value in {
        "EXCHANGE_HOME_JURISDICTION": "BE",
        "EXCHANGE_DATA_DIR": str(tmp_path / "be"),
        "EXCHANGE_DATABASE_URL": db_url,
        "EXCHANGE_KEYS_DIR": str(benelux["BE"].keys_dir),
        "EXCHANGE_PARTNERS_DIR": str(benelux["BE"].partners_dir),
        "EXCHANGE_LOG_LEVEL": "error",
    }.items():
        monkeypatch.setenv(name, value)
    folder = tmp_path / "packets"
    folder.mkdir()
    return Receiver(benelux, folder, capsys)
