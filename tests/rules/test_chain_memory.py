"""The chain rules' memory of a file moves to disk past a bound, and the rules cannot tell: the same
answers for every DocRefId, and the same findings for every rule's cases."""

from __future__ import annotations

import pytest

from exchange.records import Record
from exchange.states import DocState
from exchange.validation.rules import chain
from exchange.validation.rules.chain import ChainMemory, Version
from tests.rules.builders import account_report, reporting_fi
from tests.rules.cases import CASES, Case
from tests.rules.test_codes import findings_of


def _records() -> list[Record]:
    """New records, corrections and deletions of them and of stored ones, a correction corrected again,
    and a reused DocRefId: every way an entry is made or changed."""
    records: list[Record] = [reporting_fi()]
    records += [account_report(f"LU2025BE-AR{number}") for number in range(1, 30)]
    records += [
        account_report(f"LU2025BE-C{number}", "OECD2", corr=f"LU2025BE-AR{number}") for number in range(1, 8)
    ]
    records += [
        account_report(f"LU2025BE-D{number}", "OECD3", corr=f"LU2025BE-AR{number}") for number in range(8, 12)
    ]
    records += [account_report("LU2025BE-C1X", "OECD2", corr="LU2025BE-C1")]
    records += [account_report("LU2025BE-S1", "OECD3", corr="LU2024BE-OLD1")]  # a stored one
    records += [account_report("LU2025BE-C2", "OECD2", corr="LU2025BE-AR20")]  # its DocRefId again
    return records


def _answers(memory: ChainMemory, records: list[Record]) -> list[tuple[Version | None, DocState | None]]:
    ids = sorted({record.doc_spec.doc_ref_id for record in records} | {"LU2024BE-OLD1", "LU2024BE-NONE"})
    return [(memory.created(doc_ref_id), memory.amended(doc_ref_id)) for doc_ref_id in ids]


@pytest.mark.parametrize("held", [1, 2, 7])
def test_the_memory_on_disk_answers_as_the_memory_in_dicts(held: int) -> None:
    records = _records()
    in_dicts, on_disk = ChainMemory(held=10_000), ChainMemory(held=held)
    for record in records:
        in_dicts.remember(record)
        on_disk.remember(record)
    try:
        assert on_disk.on_disk and not in_dicts.on_disk
        assert _answers(on_disk, records) == _answers(in_dicts, records)
        assert any(created is not None for created, _ in _answers(on_disk, records))
    finally:
        on_disk.close()
    assert not on_disk.on_disk


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_every_rule_finds_the_same_with_the_memory_on_disk(
    case: Case, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = (findings_of(case.failing), findings_of(case.passing))
    monkeypatch.setattr(chain, "HELD_ENTRIES", 1)  # every record moves the memory to disk
    assert (findings_of(case.failing), findings_of(case.passing)) == expected
