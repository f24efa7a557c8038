"""The demo's folder: marked, held alone, and cleared only of what a demo writes."""

from __future__ import annotations

from pathlib import Path

import pytest

from exchange.demo.folder import AUTHORITIES, MARKER, STORE_FILE, DemoFolder, DemoFolderError


def _write_like_a_demo(folder: DemoFolder) -> None:
    (folder.path / STORE_FILE).write_text("store")
    (folder.path / AUTHORITIES / "BE").mkdir(parents=True)


def test_a_new_folder_is_marked_first_and_removed_after(tmp_path: Path) -> None:
    folder = DemoFolder.claim(tmp_path / "new" / "demo")
    assert folder.created and [p.name for p in folder.path.iterdir()] == [MARKER]
    _write_like_a_demo(folder)
    folder.release(keep=False)
    assert not (tmp_path / "new" / "demo").exists()
    assert (tmp_path / "new").is_dir()  # the parent was there for the demo, not made by it as a store


def test_a_non_empty_folder_without_the_marker_is_refused_untouched(tmp_path: Path) -> None:
    (tmp_path / "exchange.db").write_text("someone's real store")
    with pytest.raises(DemoFolderError, match="not a demo store"):
        DemoFolder.claim(tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["exchange.db"]
    assert (tmp_path / "exchange.db").read_text() == "someone's real store"


def test_a_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(DemoFolderError, match="not a folder"):
        DemoFolder.claim(tmp_path / "file")


def test_an_empty_folder_given_is_emptied_again_but_kept(tmp_path: Path) -> None:
    folder = DemoFolder.claim(tmp_path)
    assert not folder.created
    _write_like_a_demo(folder)
    folder.release(keep=False)
    assert tmp_path.is_dir() and not any(tmp_path.iterdir())


def test_an_earlier_demo_store_is_reused_and_only_its_entries_go(tmp_path: Path) -> None:
    earlier = DemoFolder.claim(tmp_path / "demo")
    _write_like_a_demo(earlier)
    earlier.release(keep=True)
    assert (tmp_path / "demo" / MARKER).is_file() and (tmp_path / "demo" / STORE_FILE).is_file()
    (tmp_path / "demo" / "analysis.csv").write_text("the user's own export")

    again = DemoFolder.claim(tmp_path / "demo")
    assert {p.name for p in again.path.iterdir()} == {MARKER, "analysis.csv"}  # starts from an empty store
    _write_like_a_demo(again)
    again.release(keep=False)
    assert [p.name for p in (tmp_path / "demo").iterdir()] == ["analysis.csv"]


def test_two_demos_never_share_a_folder(tmp_path: Path) -> None:
    running = DemoFolder.claim(tmp_path / "demo")
    try:
        with pytest.raises(DemoFolderError, match="another exchange demo is running"):
            DemoFolder.claim(tmp_path / "demo")
        assert (tmp_path / "demo").is_dir()  # the refused one removed nothing
    finally:
        running.release(keep=False)
    DemoFolder.claim(tmp_path / "demo").release(keep=False)  # free once the first is done


def test_default_runs_each_get_a_folder_of_their_own(tmp_path: Path) -> None:
    one, two = DemoFolder.fresh(tmp_path / "demo"), DemoFolder.fresh(tmp_path / "demo")
    assert one.path != two.path and one.path.parent == two.path.parent == tmp_path / "demo"
    one.release(keep=False)
    two.release(keep=True)
    assert [p.name for p in (tmp_path / "demo").iterdir()] == [two.path.name]
