"""Flag evaluation benchmark: `evaluate_file` on one stored, reconciled file of 10k and of 100k account
reports, on SQLite and on PostgreSQL, set-based (this tree) beside the ORM evaluation it replaced.

    .venv/bin/python bench/flags.py [--sizes 10000 100000] [--batch 2000] [--baseline REF] [--no-postgres]

Per size and store, one file (the account reports of bench/crs_packets.py) is stored and reconciled
against the registry crs_packets makes for its people: a return for each person, three holders in four
declaring their account, a few benefit recipients, a few balances far beyond their cohort. So every kind
of scope is evaluated: account chains, taxpayer years with DC03's cohorts, the institution. Each
measurement then runs in a fresh child process on its own copy of that store, `--batch` scopes per batch:
- set-based: `evaluate_file` of this tree (facts by SQLAlchemy Core queries per batch, flags compared
  as rows and written by executemany);
- ORM REF: `evaluate_file` of the package `exchange` as it was at git REF (default: the last commit
  whose facts and flag writes built ORM objects), extracted with `git archive` and put first on the
  child's path. The schema is the same, so both evaluate identical copies.
"baseline" is the child's peak RSS once loaded and connected, before evaluating; "peak" is its peak
RSS after (`ru_maxrss`). reports/s is the file's account reports over the evaluation's seconds.
PostgreSQL is a throwaway cluster (tests.services, fsync off). Figures only: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import platform
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from multiprocessing import get_context
from pathlib import Path
from typing import Protocol, TypeVar

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))  # `python bench/flags.py` from anywhere; tests.services for PostgreSQL
# A child measuring the baseline imports `exchange` from the extracted tree (see --baseline).
_TREE_ENV = "BENCH_FLAGS_EXCHANGE_TREE"
if os.environ.get(_TREE_ENV):
    sys.path.insert(0, os.environ[_TREE_ENV])

from sqlalchemy import func, select, text  # noqa: E402

import exchange  # noqa: E402
from bench.crs_packets import (  # noqa: E402
    RECEIVER,
    SENDER,
    YEAR,
    FileSpec,
    account_reports,
    load_registry,
    message_ref_id,
    reporting_fi,
)
from exchange import db  # noqa: E402
from exchange.anomalies import evaluate_file  # noqa: E402
from exchange.anomalies.evaluate import SCOPES_PER_BATCH  # noqa: E402
from exchange.logs import configure_logging  # noqa: E402
from exchange.reconcile.service import reconcile_file  # noqa: E402
from exchange.records import MessageHeader  # noqa: E402
from exchange.settings import Settings  # noqa: E402
from exchange.store import PacketInfo, store_file  # noqa: E402
from exchange.store.models import AccountReportRow  # noqa: E402
from tests.services import PostgresCluster  # noqa: E402

FILE_NO = 1
# The last commit whose flag facts and writes were ORM objects (selectin loaders, Flag instances).
ORM_BASELINE = "68450cd"


def build_store(url: str, reports: int) -> int:
    """The registry, then the file stored and reconciled; the file's id."""
    configure_logging("warning")
    settings = Settings()
    engine = db.create_db_engine(url)
    try:
        db.upgrade(engine)
        load_registry(engine, [FileSpec(FILE_NO, reports)])
        packet = PacketInfo(
            hashlib.sha256(f"bench-flags-{reports}".encode()).hexdigest(), "CTS", SENDER, RECEIVER, "CRS", 0
        )
        header = MessageHeader(
            "CRS", SENDER, RECEIVER, message_ref_id(FILE_NO), date(YEAR, 12, 31), datetime.now(UTC), "CRS701"
        )
        records = [reporting_fi(FILE_NO)], account_reports(FILE_NO, reports)
        outcome = store_file(engine, packet, header, (record for part in records for record in part))
        if outcome.records_stored != reports + 1:
            raise RuntimeError(f"stored {outcome.records_stored} of {reports + 1}: {outcome.findings[:3]}")
        reconcile_file(engine, outcome.file_id, settings)
        if engine.dialect.name == "sqlite":
            with engine.connect() as connection:  # the copies are of the database file alone
                connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        return outcome.file_id
    finally:
        engine.dispose()


def extract_tree(ref: str, workdir: Path) -> Path:
    """The package `exchange` as it was at `ref`, in a folder of its own; the folder to put on the path."""
    tree = workdir / f"exchange-at-{ref}"
    tree.mkdir()
    archive = subprocess.run(
        ["git", "-C", str(REPO_ROOT), "archive", ref, "exchange"], capture_output=True, check=True
    )
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive.stdout, check=True)
    return tree


# -- one measurement, in a child process -------------------------------------------------------------


@dataclass(frozen=True)
class Measurement:
    store: str
    path: str
    reports: int
    batch: int
    seconds: float
    events: int
    baseline_mib: float
    peak_mib: float
    flags: tuple[tuple[str, str, int], ...]  # (code, state, how many) after the evaluation
    package: str  # where the child's `exchange` came from

    @property
    def reports_per_second(self) -> float:
        return self.reports / self.seconds


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def measure(url: str, file_id: int, reports: int, path: str, batch: int) -> Measurement:
    """Child side: load, connect, take the baseline, evaluate the file once, count the flags."""
    configure_logging("warning")
    settings = Settings()
    engine = db.create_db_engine(url)
    with engine.connect() as connection:
        stored = connection.execute(select(func.count()).select_from(AccountReportRow)).scalar_one()
    if stored != reports:
        raise RuntimeError(f"the copy holds {stored} account reports, not {reports}")
    baseline = _peak_rss_mib()
    started = time.perf_counter()
    changes = evaluate_file(engine, file_id, settings, batch_size=batch)
    seconds = time.perf_counter() - started
    events = sum(changes.counts().values())
    with engine.connect() as connection:
        flags = connection.execute(
            text("SELECT code, state, count(*) FROM flag GROUP BY code, state ORDER BY code, state")
        ).all()
    engine.dispose()
    return Measurement(
        engine.dialect.name, path, reports, batch, seconds, events, baseline, _peak_rss_mib(),
        tuple((code, state, count) for code, state, count in flags), str(Path(exchange.__file__).parent),
    )  # fmt: skip


T = TypeVar("T")


def in_fresh_process(function: Callable[..., T], *args: object, tree: Path | None = None) -> T:
    """Run in a child of its own, importing `exchange` from `tree` if given. A child's ru_maxrss starts
    from its parent's RSS at the fork (Linux keeps the high-water mark across exec), so the parent never
    holds data: it builds nothing itself."""
    if tree is not None:
        os.environ[_TREE_ENV] = str(tree)
    try:
        with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
            return pool.submit(function, *args).result()
    finally:
        os.environ.pop(_TREE_ENV, None)


# -- stores and copies ---------------------------------------------------------------------------------


class Stores(Protocol):
    """Fresh databases of one engine, and pristine copies of a built one (evaluating changes a store)."""

    name: str

    def new(self) -> str: ...

    def copy(self, url: str) -> str: ...


class SqliteStores:
    name = "sqlite"

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir

    def new(self) -> str:
        return f"sqlite:///{self.workdir / f'{uuid.uuid4().hex[:8]}.db'}"

    def copy(self, url: str) -> str:
        source = Path(url.removeprefix("sqlite:///"))
        target = source.with_name(f"copy-{uuid.uuid4().hex[:8]}.db")
        shutil.copyfile(source, target)
        return f"sqlite:///{target}"


class PostgresStores:
    name = "postgresql"

    def __init__(self, cluster: PostgresCluster) -> None:
        self.cluster = cluster

    def new(self) -> str:
        return self.cluster.create_database(f"bench_{uuid.uuid4().hex[:8]}")

    def copy(self, url: str) -> str:
        """CREATE DATABASE ... TEMPLATE: a file-level copy, with no session left on the source."""
        name = f"copy_{uuid.uuid4().hex[:8]}"
        source = url.rsplit("/", 1)[1]
        admin = db.create_db_engine(self.cluster.url(), isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as connection:
                connection.execute(text(f'CREATE DATABASE {name} TEMPLATE "{source}"'))
        finally:
            admin.dispose()
        return self.cluster.url(name)


def run_store(
    stores: Stores, sizes: Sequence[int], batch: int, baseline: tuple[str, Path] | None
) -> list[Measurement]:
    results = []
    for reports in sizes:
        started = time.perf_counter()
        url = stores.new()
        file_id = in_fresh_process(build_store, url, reports)
        print(
            f"  {stores.name} {reports}: store built in {time.perf_counter() - started:.0f}s", file=sys.stderr
        )
        paths: list[tuple[str, Path | None]] = [("set-based", None)]
        if baseline is not None:
            paths.append((f"ORM {baseline[0]}", baseline[1]))
        for path, tree in paths:
            result = in_fresh_process(measure, stores.copy(url), file_id, reports, path, batch, tree=tree)
            print(
                f"  {stores.name} {reports} {path}: {result.seconds:.1f}s ({result.package})", file=sys.stderr
            )
            results.append(result)
    return results


@contextmanager
def postgres_stores() -> Iterator[tuple[PostgresStores, str]]:
    cluster = PostgresCluster.start()
    try:
        engine = db.create_db_engine(cluster.url())
        with engine.connect() as connection:
            version = str(connection.execute(text("SHOW server_version")).scalar_one())
        engine.dispose()
        yield PostgresStores(cluster), version
    finally:
        cluster.stop()


def print_table(results: list[Measurement], versions: dict[str, str]) -> None:
    print(" ".join(f"{name} {version}" for name, version in versions.items()))
    print(
        f"{'store':<11}{'path':<18}{'reports':>8}{'batch':>7}{'seconds':>9}{'reports/s':>10}{'events':>8}"
        f"{'baseline RSS':>14}{'peak RSS':>10}{'growth':>9}  same flags"
    )
    first: dict[tuple[str, int], Measurement] = {}
    for m in results:
        reference = first.setdefault((m.store, m.reports), m)
        same = "-" if reference is m else ("yes" if reference.flags == m.flags else "NO")
        print(
            f"{m.store:<11}{m.path:<18}{m.reports:>8}{m.batch:>7}{m.seconds:>9.1f}{m.reports_per_second:>10.0f}"
            f"{m.events:>8}{m.baseline_mib:>10.0f} MiB{m.peak_mib:>6.0f} MiB"
            f"{m.peak_mib - m.baseline_mib:>5.0f} MiB  {same}"
        )
    for m in results:
        if m.path == "set-based":
            counts = ", ".join(f"{code} {count}" for code, state, count in m.flags if state == "raised")
            print(f"flags raised, {m.store} {m.reports}: {counts}")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--batch", type=int, default=None, help="scopes per batch (default: the product's)")
    parser.add_argument("--baseline", default=ORM_BASELINE, help="git ref of the baseline ('' for none)")
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()

    configure_logging("warning")
    batch = args.batch or SCOPES_PER_BATCH
    versions = {"python": platform.python_version(), "sqlite": sqlite3.sqlite_version}
    with tempfile.TemporaryDirectory(prefix="bench-flags-") as tmp:
        workdir = Path(tmp)
        baseline = (args.baseline, extract_tree(args.baseline, workdir)) if args.baseline else None
        results = run_store(SqliteStores(workdir), args.sizes, batch, baseline)
        if not args.no_postgres:
            with postgres_stores() as (stores, version):
                versions["postgresql"] = f"{version} (fsync off)"
                results += run_store(stores, args.sizes, batch, baseline)
    print_table(results, versions)


if __name__ == "__main__":
    main()
