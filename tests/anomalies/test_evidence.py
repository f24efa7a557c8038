"""A flag's evidence is compared as the JSON column reads it back: the fast copy of plain evidence must
give exactly what the round trip through JSON gives, whatever a rule puts in it."""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from exchange.anomalies.flag_rows import comparable_evidence


class _Role(StrEnum):
    HOLDER = "holder"


def _round_trip(evidence: dict[Any, Any]) -> Any:
    return json.loads(json.dumps(evidence, sort_keys=True))


_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(max_size=8),
    st.just(_Role.HOLDER),
)
_values = st.recursive(
    _scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.lists(inner, max_size=3).map(tuple),
        # One kind of key per dictionary: JSON cannot sort mixed keys (nor could the evidence be stored).
        st.dictionaries(st.text(max_size=4), inner, max_size=3),
        st.dictionaries(st.integers(), inner, max_size=3),
    ),
    max_leaves=10,
)


@given(
    st.one_of(
        st.dictionaries(st.text(max_size=6), _values, max_size=5),
        st.dictionaries(st.integers(), _values, max_size=3),
    )
)
def test_evidence_reads_as_its_json(evidence: dict[Any, Any]) -> None:
    assert comparable_evidence(evidence) == _round_trip(evidence)


def test_tuples_read_as_lists_and_enums_as_their_values() -> None:
    evidence = {"payments": (("CRS502", "10.00"),), "role": _Role.HOLDER, "by_year": {2025: 1}}
    compared = comparable_evidence(evidence)
    assert compared == {"payments": [["CRS502", "10.00"]], "role": "holder", "by_year": {"2025": 1}}
    assert type(compared["role"]) is str
