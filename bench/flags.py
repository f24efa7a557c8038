"""Flag evaluation benchmark: `evaluate_file` on one stored, reconciled file of 10k and of 100k account
reports, on SQLite and on PostgreSQL, batched as the pipeline runs it beside the whole file in one batch.

    .venv/bin/python bench/flags.py [--sizes 10000 100000] [--batch 2000] [--no-postgres]

Per size and store, one file (the account reports of bench/crs_packets.py, their people given valid
Belgian numbers) is stored and reconciled against a registry that knows everyone in it: a return for
each person, three holders in four declaring their account, a few benefit recipients. So every kind of
scope is evaluated: account chains, taxpayer years with DC03's cohorts, the institution. Each
measurement then runs in a fresh child process on its own copy of that store:
- batched: `evaluate_file` as the pipeline calls it (`--batch` scopes per batch, few events returned);
- one batch: every scope of the file in one batch, every event returned: the whole-file shape of
  evaluation before it was batched.
"baseline" is the child's peak RSS once loaded and connected, before evaluating; "peak" is its peak
RSS after (`ru_maxrss`). reports/s is the file's account reports over the evaluation's seconds.
PostgreSQL is a throwaway cluster (tests.services, fsync off). Figures only: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import hashlib
import platform
import resource
import shutil
import sqlite3
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from decimal import Decimal
from multiprocessing import get_context
from pathlib import Path
from typing import Protocol, TypeVar

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))  # `python bench/flags.py` from anywhere; tests.services for PostgreSQL

from sqlalchemy import Connection, Engine, func, select, text  # noqa: E402

from bench.crs_packets import RECEIVER, SENDER, YEAR, account_reports, message_ref_id  # noqa: E402
from exchange import db  # noqa: E402
from exchange.anomalies import evaluate_file  # noqa: E402
from exchange.anomalies.evaluate import SCOPES_PER_BATCH  # noqa: E402
from exchange.logs import configure_logging  # noqa: E402
from exchange.reconcile.service import reconcile_file  # noqa: E402
from exchange.records import (  # noqa: E402
    TIN,
    AccountReport,
    Address,
    DocSpec,
    MessageHeader,
    Name,
    Party,
    PartyKind,
    ReportingFI,
)
from exchange.registry.data import (  # noqa: E402
    AddressData,
    BenefitData,
    DeclaredAccountData,
    RegistryRow,
    TaxpayerData,
    TaxReturnData,
)
from exchange.registry.synthetic.numbers import be_national_number  # noqa: E402
from exchange.registry.upsert import Rejected, upsert_dependents, upsert_taxpayers  # noqa: E402
from exchange.settings import Settings  # noqa: E402
from exchange.store import PacketInfo, store_file  # noqa: E402
from exchange.store.models import AccountReportRow  # noqa: E402
from tests.services import PostgresCluster  # noqa: E402

FILE_NO = 1
ONE_BATCH = 10**9  # more scopes than any file touches
_REGISTRY_CHUNK = 1000


# -- the file and the registry that knows its people -------------------------------------------------


class _Identities:
    """Valid, unique Belgian numbers for the file's people, in the order they appear: a person gets the
    next serial of their birth date, an entity the next enterprise number."""

    def __init__(self) -> None:
        self._serials: dict[date, int] = {}
        self._entities = 0

    def number(self, party: Party) -> str:
        if party.kind is PartyKind.ORGANISATION:
            self._entities += 1
            body = f"0{2_000_000 + self._entities:07d}"
            return f"{body}{97 - int(body) % 97:02d}"
        assert party.birth_date is not None
        serial = self._serials.get(party.birth_date, 0) + 1
        self._serials[party.birth_date] = serial
        return be_national_number(party.birth_date, serial)


def _known(party: Party, number: str) -> Party:
    return replace(party, tins=(TIN(number, issued_by=RECEIVER),))


def known_reports(reports: int) -> Iterator[tuple[AccountReport, tuple[str, ...]]]:
    """bench/crs_packets.py's reports, each party under its registry number; with those numbers. One
    account in 97 holds forty times its balance, far beyond its holder's cohort (DC03)."""
    identities = _Identities()
    for n, report in enumerate(account_reports(FILE_NO, reports)):
        parties = (report.holder, *report.controlling_persons)
        numbers = tuple(identities.number(party) for party in parties)
        holder = _known(report.holder, numbers[0])
        persons = tuple(_known(p, k) for p, k in zip(report.controlling_persons, numbers[1:], strict=True))
        balance = report.balance * 40 if n % 97 == 0 else report.balance
        yield replace(report, holder=holder, controlling_persons=persons, balance=balance), numbers


def _bank_name() -> str:
    return f"Voorbeeld Bank {FILE_NO} N.V."


def records(reports: int) -> Iterator[ReportingFI | AccountReport]:
    yield ReportingFI(
        doc_spec=DocSpec("OECD1", f"{SENDER}{YEAR}{RECEIVER}-F{FILE_NO:03d}-FI"),
        names=(Name(full=_bank_name(), name_type="OECD207"),),
        res_country_codes=(SENDER,),
        ins=(TIN(f"NL{FILE_NO:09d}B01", issued_by=SENDER),),
        addresses=(Address(SENDER, free="Voorbeeldstraat 1, Amsterdam"),),
    )
    for report, _ in known_reports(reports):
        yield report


def registry_rows(reports: int) -> Iterator[list[RegistryRow]]:
    """Per account report, what the registry holds about its people, in load order."""
    for n, (report, numbers) in enumerate(known_reports(reports)):
        rows: list[RegistryRow] = []
        for position, (party, number) in enumerate(
            zip((report.holder, *report.controlling_persons), numbers, strict=True)
        ):
            rows += _person_rows(party, number, seed=n * 3 + position, holder=position == 0)
        yield rows


def _person_rows(party: Party, number: str, seed: int, holder: bool) -> list[RegistryRow]:
    if party.kind is PartyKind.ORGANISATION:
        return [TaxpayerData(number, PartyKind.ORGANISATION, organisation_name=party.names[0].full)]
    name, fix = party.names[0], party.addresses[0].fix
    assert fix is not None
    rows: list[RegistryRow] = [
        TaxpayerData(
            number,
            PartyKind.INDIVIDUAL,
            given_names=name.first,
            family_name=name.last,
            birth_date=party.birth_date,
        ),
        AddressData(
            number,
            date(2015, 1, 1),
            fix.city or "",
            street=fix.street,
            house_number=fix.building_identifier,
            post_code=fix.post_code,
        ),
        TaxReturnData(number, YEAR, _income(seed), foreign_interest=Decimal(25)),
    ]
    if holder and seed % 4 != 0:
        rows.append(DeclaredAccountData(number, YEAR, SENDER, _bank_name()))
    if seed % 19 == 0:
        rows.append(BenefitData(number, YEAR, "integration_income", Decimal(12_000)))
    return rows


def _income(seed: int) -> Decimal:
    """Spread over every band of DC03, so its cohorts are large and varied."""
    return Decimal(12_000 + seed * 7919 % 160_000)


def load_registry(engine: Engine, reports: int) -> None:
    def refuse(rejected: Rejected) -> None:
        raise RuntimeError(f"registry row refused: {rejected.reason}")

    with engine.begin() as connection:
        chunk: list[RegistryRow] = []
        for rows in registry_rows(reports):
            chunk += rows
            if len(chunk) >= _REGISTRY_CHUNK:
                _load_chunk(connection, chunk, refuse)
                chunk = []
        _load_chunk(connection, chunk, refuse)


def _load_chunk(connection: Connection, rows: list[RegistryRow], refuse: Callable[[Rejected], None]) -> None:
    """Taxpayers before what belongs to them, returns before the accounts declared on them."""
    upsert_taxpayers(connection, [row for row in rows if isinstance(row, TaxpayerData)])
    for kind in (AddressData, TaxReturnData, DeclaredAccountData, BenefitData):
        dependents = [(0, row) for row in rows if isinstance(row, kind)]
        if dependents:
            upsert_dependents(connection, dependents, refuse)


def build_store(url: str, reports: int) -> int:
    """The registry, then the file stored and reconciled; the file's id."""
    configure_logging("warning")
    settings = Settings()
    engine = db.create_db_engine(url)
    try:
        db.upgrade(engine)
        load_registry(engine, reports)
        packet = PacketInfo(
            hashlib.sha256(f"bench-flags-{reports}".encode()).hexdigest(), "CTS", SENDER, RECEIVER, "CRS", 0
        )
        header = MessageHeader(
            "CRS", SENDER, RECEIVER, message_ref_id(FILE_NO), date(YEAR, 12, 31), datetime.now(UTC), "CRS701"
        )
        outcome = store_file(engine, packet, header, records(reports))
        if outcome.records_stored != reports + 1:
            raise RuntimeError(f"stored {outcome.records_stored} of {reports + 1}: {outcome.findings[:3]}")
        reconcile_file(engine, outcome.file_id, settings)
        if engine.dialect.name == "sqlite":
            with engine.connect() as connection:  # the copies are of the database file alone
                connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        return outcome.file_id
    finally:
        engine.dispose()


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

    @property
    def reports_per_second(self) -> float:
        return self.reports / self.seconds


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def measure(url: str, file_id: int, reports: int, path: str, batch: int, keep: int) -> Measurement:
    """Child side: load, connect, take the baseline, evaluate the file once."""
    configure_logging("warning")
    settings = Settings()
    engine = db.create_db_engine(url)
    with engine.connect() as connection:
        stored = connection.execute(select(func.count()).select_from(AccountReportRow)).scalar_one()
    if stored != reports:
        raise RuntimeError(f"the copy holds {stored} account reports, not {reports}")
    baseline = _peak_rss_mib()
    started = time.perf_counter()
    changes = evaluate_file(engine, file_id, settings, batch_size=batch, keep_events=keep)
    seconds = time.perf_counter() - started
    events = sum(changes.counts().values())
    engine.dispose()
    return Measurement(engine.dialect.name, path, reports, batch, seconds, events, baseline, _peak_rss_mib())


T = TypeVar("T")


def in_fresh_process(function: Callable[..., T], *args: object) -> T:
    """Run in a child of its own. A child's ru_maxrss starts from its parent's RSS at the fork (Linux
    keeps the high-water mark across exec), so the parent never holds data: it builds nothing itself."""
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
        return pool.submit(function, *args).result()


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


def run_store(stores: Stores, sizes: Sequence[int], batch: int) -> list[Measurement]:
    results = []
    for reports in sizes:
        started = time.perf_counter()
        url = stores.new()
        file_id = in_fresh_process(build_store, url, reports)
        print(
            f"  {stores.name} {reports}: store built in {time.perf_counter() - started:.0f}s", file=sys.stderr
        )
        for path, size, keep in (("batched", batch, 1000), ("one batch", ONE_BATCH, ONE_BATCH)):
            result = in_fresh_process(measure, stores.copy(url), file_id, reports, path, size, keep)
            print(f"  {stores.name} {reports} {path}: {result.seconds:.1f}s", file=sys.stderr)
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
        f"{'store':<11}{'path':<11}{'reports':>8}{'batch':>7}{'seconds':>9}{'reports/s':>10}{'events':>8}"
        f"{'baseline RSS':>14}{'peak RSS':>10}{'growth':>9}"
    )
    for m in results:
        batch = "all" if m.batch == ONE_BATCH else str(m.batch)
        print(
            f"{m.store:<11}{m.path:<11}{m.reports:>8}{batch:>7}{m.seconds:>9.1f}{m.reports_per_second:>10.0f}"
            f"{m.events:>8}{m.baseline_mib:>10.0f} MiB{m.peak_mib:>6.0f} MiB"
            f"{m.peak_mib - m.baseline_mib:>5.0f} MiB"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--batch", type=int, default=None, help="scopes per batch (default: the product's)")
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()

    configure_logging("warning")
    batch = args.batch or SCOPES_PER_BATCH
    versions = {"python": platform.python_version(), "sqlite": sqlite3.sqlite_version}
    with tempfile.TemporaryDirectory(prefix="bench-flags-") as workdir:
        results = run_store(SqliteStores(Path(workdir)), args.sizes, batch)
    if not args.no_postgres:
        with postgres_stores() as (stores, version):
            versions["postgresql"] = f"{version} (fsync off)"
            results += run_store(stores, args.sizes, batch)
    print_table(results, versions)


if __name__ == "__main__":
    main()
