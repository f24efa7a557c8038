"""Flag export benchmark: the memory an export of every flag takes, streamed as `exchange flags --format
csv|parquet -o FILE` writes it, beside the same rows read whole first (the shape of the export before it
was streamed), for 10k and 100k flags.

    .venv/bin/python bench/exports.py [--sizes 10000 100000] [--postgres]

A store (SQLite; PostgreSQL too with --postgres, a throwaway cluster from tests.services) is filled with
synthetic flags (evidence, amounts, times as evaluation writes them). Each measurement runs in a fresh
child process: "baseline" is its peak RSS once loaded and connected, "peak" its peak RSS after writing
the export (`ru_maxrss`); growth is the difference. Figures only: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import platform
import resource
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from multiprocessing import get_context
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))  # `python bench/exports.py` from anywhere; tests.services for PostgreSQL

from sqlalchemy import insert  # noqa: E402

from exchange import db  # noqa: E402
from exchange.anomalies.export import FLAG_COLUMNS, output_file, write_csv, write_parquet  # noqa: E402
from exchange.anomalies.models import Flag  # noqa: E402
from exchange.anomalies.queries import FlagQuery, iter_flags  # noqa: E402
from exchange.logs import configure_logging  # noqa: E402

_INSERT_CHUNK = 10_000


def _flags(count: int) -> Iterator[list[dict[str, Any]]]:
    now = datetime.now(UTC)
    chunk: list[dict[str, Any]] = []
    for number in range(count):
        chunk.append(
            {
                "fingerprint": f"ID01|account:{number}|party0|",
                "code": "ID01",
                "scope_key": f"account:{number}",
                "state": "raised",
                "severity": "medium",
                "score": 30,
                "sender": "LU",
                "reporting_year": 2025,
                "institution": "LU:LU12345678",
                "amount": Decimal(number % 100_000) + Decimal("0.25"),
                "currency": "EUR",
                "evidence": {"role": "holder", "kind": "individual", "balance": f"{number}.25"},
                "raised_at": now,
                "updated_at": now,
            }
        )
        if len(chunk) == _INSERT_CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _fill(url: str, count: int) -> None:
    engine = db.create_db_engine(url)
    db.upgrade(engine)
    with engine.begin() as connection:
        for chunk in _flags(count):
            connection.execute(insert(Flag), chunk)
    engine.dispose()


def _rss_mib() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if platform.system() == "Darwin" else peak / 1024


@dataclass(frozen=True)
class Measured:
    rows: int
    baseline: float
    peak: float
    seconds: float


def _export(url: str, output_format: str, target: str, whole: bool) -> Measured:
    """In the child: write every flag to `target`, streamed or read whole first."""
    configure_logging("warning", "console")
    engine = db.create_db_engine(url)
    import pyarrow  # noqa: F401  (loaded before the baseline: both cases pay for it alike)

    with engine.connect() as connection:
        connection.exec_driver_sql("SELECT 1")
        baseline = _rss_mib()
        started = time.monotonic()
        rows: Any = iter_flags(connection, FlagQuery())
        if whole:
            rows = list(rows)
        binary = output_format == "parquet"
        with output_file(Path(target), binary=binary) as stream:
            if binary:
                group = len(rows) if whole else None  # read whole: one table, as before
                count = write_parquet(rows, FLAG_COLUMNS, stream, rows_per_group=group)
            else:
                count = write_csv(rows, FLAG_COLUMNS, stream)
        seconds = time.monotonic() - started
    engine.dispose()
    return Measured(count, baseline, _rss_mib(), seconds)


def _measure(url: str, output_format: str, target: Path, whole: bool) -> Measured:
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
        return pool.submit(_export, url, output_format, str(target), whole).result()


@contextmanager
def _stores(size: int, tmp: Path, postgres: bool) -> Iterator[Iterator[tuple[str, str]]]:
    urls = [("SQLite", f"sqlite:///{tmp / f'flags-{size}.db'}")]
    cluster = None
    if postgres:
        from tests.services import PostgresCluster

        cluster = PostgresCluster.start()
        urls.append(("PostgreSQL", cluster.create_database(f"b_{uuid.uuid4().hex[:12]}")))
    try:
        yield iter(urls)
    finally:
        if cluster is not None:
            cluster.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--postgres", action="store_true", help="also on a throwaway PostgreSQL")
    args = parser.parse_args()
    print(f"{'store':<11} {'flags':>7} {'format':<8} {'shape':<11} {'base MiB':>8} {'peak MiB':>8} "
          f"{'growth':>7} {'rows/s':>8}")  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="bench-exports-") as root:
        tmp = Path(root)
        for size in args.sizes:
            with _stores(size, tmp, args.postgres) as stores:
                for store, url in stores:
                    _fill(url, size)
                    for output_format in ("csv", "parquet"):
                        for whole in (False, True):
                            target = tmp / f"out.{output_format}"
                            m = _measure(url, output_format, target, whole)
                            shape = "read whole" if whole else "streamed"
                            rate = m.rows / m.seconds if m.seconds else 0.0
                            print(f"{store:<11} {size:>7} {output_format:<8} {shape:<11} {m.baseline:>8.1f} "
                                  f"{m.peak:>8.1f} {m.peak - m.baseline:>7.1f} {rate:>8.0f}")  # fmt: skip


if __name__ == "__main__":
    main()
