"""The export writers stream: each row is written before the next is asked for (Parquet: each row group
before the next group's rows), so an export of every flag holds a row group at most, not the result.
Pure functions, no database."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from exchange.anomalies.export import (
    Column,
    OutputError,
    output_file,
    write_csv,
    write_json,
    write_parquet,
)

COLUMNS = (Column("id", "int"), Column("amount", "amount"), Column("evidence", "json"))


def _rows(count: int, written: Callable[[], int], seen: list[int]) -> Iterator[dict[str, object]]:
    """`count` rows; before each, what the writer had already written out."""
    for number in range(count):
        seen.append(written())
        yield {"id": number, "amount": Decimal(number) / 4, "evidence": {"n": number}}


def test_csv_and_json_write_each_row_before_reading_the_next() -> None:
    stream = io.StringIO()
    seen: list[int] = []
    assert write_csv(_rows(5, lambda: stream.getvalue().count("\n"), seen), COLUMNS, stream) == 5
    assert seen == [1, 2, 3, 4, 5]  # the header, then one line per row already out
    assert [row["amount"] for row in csv.DictReader(io.StringIO(stream.getvalue()))][-1] == "1.00"

    stream = io.StringIO()
    seen = []
    assert write_json(_rows(3, lambda: stream.getvalue().count('"id"'), seen), stream) == 3
    assert seen == [0, 1, 2]
    assert [row["id"] for row in json.loads(stream.getvalue())] == [0, 1, 2]
    empty = io.StringIO()
    assert write_json(iter(()), empty) == 0 and json.loads(empty.getvalue()) == []


def test_parquet_writes_a_row_group_before_reading_the_next(tmp_path: Path) -> None:
    target = tmp_path / "flags.parquet"
    seen: list[int] = []
    with target.open("wb") as stream:
        assert write_parquet(_rows(25, stream.tell, seen), COLUMNS, stream, rows_per_group=10) == 25
    # The file grows once a group of ten is written, before the first row of the next group is read.
    assert seen[0] < seen[10] < seen[20] and len(set(seen[1:10])) == 1
    parquet = pq.ParquetFile(target)
    assert parquet.metadata.num_row_groups == 3 and parquet.metadata.num_rows == 25
    assert parquet.read().column("amount").to_pylist()[-1] == Decimal("6.00")


def test_an_output_that_cannot_be_written_is_one_error_naming_it(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "flags.csv"
    expected = rf"cannot write {re.escape(str(missing))}: No such file or directory"
    with pytest.raises(OutputError, match=expected), output_file(missing):
        pass
    half = tmp_path / "half.csv"
    with pytest.raises(RuntimeError), output_file(half) as stream:
        stream.write("id\n1\n")
        raise RuntimeError("the query failed halfway")
    assert not half.exists()  # no partial export passes for a whole one
