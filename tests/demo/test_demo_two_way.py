"""`exchange demo`'s three authorities: BE, NL and LU each take their bank's submission, send a file to
each of the other two, read theirs and answer, and read the answers; the summary shows every direction
as both ends' stores hold it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from exchange.demo.folder import INSTANCES
from exchange.demo.twoway import ACCOUNTS_PER_COUNTRY, AUTHORITIES

pytestmark = pytest.mark.slow


def test_every_authority_sends_to_the_other_two_and_reads_their_answers(
    demo: tuple[dict[str, Any], Path],
) -> None:
    two_way = demo[0]["two_way"]
    directions = {(d["from"], d["to"]): d for d in two_way["directions"]}
    assert sorted(directions) == sorted((a, b) for a in AUTHORITIES for b in AUTHORITIES if a != b)
    for (sender, receiver), direction in directions.items():
        assert direction["records"] == ACCOUNTS_PER_COUNTRY, (sender, receiver)
        assert direction["sent"], (sender, receiver)
        assert direction["received"] in ("accepted", "accepted_with_errors"), (sender, receiver)
        assert direction["answer"] == "Accepted", (sender, receiver)  # read back by the sender


def test_each_authority_takes_its_banks_submission_and_keeps_its_own_residents(
    demo: tuple[dict[str, Any], Path],
) -> None:
    summary, directory = demo
    for code in AUTHORITIES:
        submitted = summary["two_way"]["submissions"][code]
        assert (submitted["files"], submitted["accepted"]) == (1, 1), code
        assert submitted["stayed_home"] == ACCOUNTS_PER_COUNTRY, code
    # Three instances, three stores: NL's and LU's beside the demo's (BE's).
    assert all((directory / INSTANCES / code.lower() / "exchange.db").is_file() for code in ("NL", "LU"))
