"""The outbound tests reuse the submissions' institution and BE's keys; a partner reads what we cut with
its own store, as its pipeline would."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from exchange import db
from exchange.pipeline.document import DocumentPass, PlainChunks
from exchange.settings import Settings
from exchange.store import FileOutcome, PacketInfo, store_file
from exchange.store.files import register_file
from exchange.validation.rules.store_history import StoreHistory
from tests.pipeline.conftest import be_settings, benelux  # noqa: F401  (fixtures)


class Partner:
    """A partner authority's own store, reading our messages as its pipeline does (schema, rules with
    its store's history, storing) without the packet around them."""

    def __init__(self, jurisdiction: str, folder: Path) -> None:
        self.settings = Settings(home_jurisdiction=jurisdiction, data_dir=folder)
        self.engine: Engine = db.create_db_engine(self.settings.effective_database_url)
        db.upgrade(self.engine)

    def receive(self, document: bytes) -> FileOutcome:
        sha256 = hashlib.sha256(document).hexdigest()
        packet = PacketInfo(sha256, "CTS", "BE", self.settings.home_jurisdiction, "CRS", len(document))
        file_id = register_file(self.engine, packet)
        reading = DocumentPass(
            PlainChunks([document]), self.settings, StoreHistory(self.engine, file_id), sender="BE"
        )
        reading.start()
        return store_file(self.engine, packet, reading.header, reading.items())


@pytest.fixture
def partners(tmp_path: Path) -> Iterator[dict[str, Partner]]:
    found = {code: Partner(code, tmp_path / code.lower()) for code in ("NL", "LU")}
    yield found
    for partner in found.values():
        partner.engine.dispose()
