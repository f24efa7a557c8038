"""The collector's pause over a file's work: in force while any user is inside, undone by the last."""

from __future__ import annotations

import gc

from exchange.collector import PAUSED_THRESHOLD, collector_paused


def test_the_pause_freezes_and_is_undone_by_the_last_user_only() -> None:
    before = gc.get_threshold()
    with collector_paused():
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold()[0] == PAUSED_THRESHOLD
        with collector_paused():  # a reconciliation inside a packet's processing
            pass
        assert gc.get_threshold()[0] == PAUSED_THRESHOLD  # the inner user left, the outer is still in
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_an_error_inside_still_ends_the_pause() -> None:
    before = gc.get_threshold()
    try:
        with collector_paused():
            raise ValueError("a file that fails")
    except ValueError:
        pass
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0
