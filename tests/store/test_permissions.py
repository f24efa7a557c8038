"""The SQLite store and its data directory are private to their owner: 0600 files, 0700 folders."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from exchange import db
from exchange.cli.main import main
from exchange.private_files import private_directory


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def _permissive_umask() -> Iterator[None]:
    """The usual umask (022), which made the store world-readable before."""
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


def _store_files(path: Path) -> list[Path]:
    return [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]


def test_db_upgrade_makes_the_data_dir_and_every_store_file_private(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    data_dir = tmp_path / "fresh" / "data"
    monkeypatch.setenv("EXCHANGE_DATA_DIR", str(data_dir))
    assert main(["db", "upgrade"]) == 0
    assert _mode(data_dir) == 0o700 and _mode(data_dir.parent) == 0o700
    store = data_dir / "exchange.db"
    engine = db.create_db_engine(f"sqlite:///{store}")
    try:
        with engine.connect() as connection:  # a reader and a writer: SQLite makes its -wal and -shm files
            connection.execute(text("SELECT count(*) FROM received_file"))
            with engine.begin() as writer:
                writer.execute(text("UPDATE instance_identity SET environment = environment"))
            files = _store_files(store)
            assert all(path.exists() for path in files)
            assert {path.name: _mode(path) for path in files} == {path.name: 0o600 for path in files}
    finally:
        engine.dispose()


def test_an_existing_store_readable_by_others_is_made_private(tmp_path: Path) -> None:
    store = tmp_path / "exchange.db"
    engine = db.create_db_engine(f"sqlite:///{store}")
    db.upgrade(engine)
    engine.dispose()
    store.chmod(0o644)
    engine = db.create_db_engine(f"sqlite:///{store}")
    engine.dispose()
    assert _mode(store) == 0o600


def test_a_folder_that_exists_keeps_its_mode(tmp_path: Path) -> None:
    """A store placed in a shared folder (/tmp) must not change that folder."""
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    engine = db.create_db_engine(f"sqlite:///{shared / 'inner' / 'exchange.db'}")
    engine.dispose()
    assert _mode(shared) == 0o755
    assert _mode(shared / "inner") == 0o700
    assert _mode(shared / "inner" / "exchange.db") == 0o600


def test_private_directory_makes_every_missing_parent_private(tmp_path: Path) -> None:
    private_directory(tmp_path / "a" / "b" / "c")
    assert [_mode(tmp_path / p) for p in ("a", "a/b", "a/b/c")] == [0o700] * 3
