"""The record contract: DocTypeIndic semantics across CRS and FATCA."""

from __future__ import annotations

import pytest

from exchange.records import DocAction, DocSpec, doc_action, is_test_doc_type


@pytest.mark.parametrize(
    ("code", "action"),
    [
        ("OECD0", DocAction.RESEND),
        ("OECD1", DocAction.NEW),
        ("OECD2", DocAction.CORRECTION),
        ("OECD3", DocAction.DELETION),
        ("OECD11", DocAction.NEW),
        ("OECD13", DocAction.DELETION),
        ("FATCA1", DocAction.NEW),
        ("FATCA2", DocAction.CORRECTION),
        ("FATCA3", DocAction.DELETION),
        ("FATCA4", DocAction.CORRECTION),  # amended data replaces the record it names
        ("FATCA14", DocAction.CORRECTION),
        ("OECD4", None),
        ("", None),
    ],
)
def test_doc_type_indic_maps_to_its_chain_effect(code: str, action: DocAction | None) -> None:
    assert doc_action(code) is action


def test_test_data_codes_are_recognised() -> None:
    assert is_test_doc_type("OECD12") and is_test_doc_type("FATCA11")
    assert not is_test_doc_type("OECD2") and not is_test_doc_type("FATCA4")
    spec = DocSpec("OECD12", "NL2025-2", "NL2025-1")
    assert spec.action is DocAction.CORRECTION and spec.is_test_data
