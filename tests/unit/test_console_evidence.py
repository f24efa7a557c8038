"""A flag's evidence as the console shows it: what the JSON column holds, spelled out for an analyst."""

from __future__ import annotations

from typing import Any

import pytest

from exchange.console.evidence import label, readable


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        (None, "–"),
        ("", "–"),
        ("1234567.5", "1,234,567.50"),
        ("-20000.00", "-20,000.00"),
        (2025, "2025"),  # a year, a code or a count is no amount
        ([60001, 60003], "60001, 60003"),
        (["NL", "LU"], "NL, LU"),
        ([], "none"),
        ({"NL": "1200.00", "LU": "30000.10"}, "NL: 1,200.00; LU: 30,000.10"),
        (True, "yes"),
        ("BE", "BE"),
        ("2025-12-31", "2025-12-31"),
        ("NL2025-DOC-1.2", "NL2025-DOC-1.2"),
    ],
)
def test_evidence_values_read_as_words_and_figures(stored: Any, shown: str) -> None:
    assert readable(stored) == shown


def test_evidence_keys_read_as_words() -> None:
    assert label("reported_residences") == "reported residences"
