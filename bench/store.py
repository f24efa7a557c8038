"""Store benchmark: account reports with their parties and payments through `store_file`, on SQLite and
on PostgreSQL, beside a plain executemany of the same rows in the same run.

    .venv/bin/python bench/store.py [--reports 100000] [--batch 2000] [--postgres-url URL | --no-postgres]

Each measurement runs in a fresh process on a fresh database, so its peak RSS is its own. Without
--postgres-url a throwaway PostgreSQL cluster is started (tests.services; fsync off, as in the tests).
The plain executemany writes the same rows (same encoding, one transaction, batch by batch) but skips
what makes the store correct: the per-batch DocRefId lookups, the chain resolution and the settlement.
"""

from __future__ import annotations

import argparse
import hashlib
import platform
import resource
import sqlite3
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from itertools import count, islice
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, func, select, text

from exchange import db
from exchange.logs import configure_logging
from exchange.models import metadata
from exchange.records import (
    TIN,
    AccountReport,
    Address,
    AddressFix,
    DocSpec,
    MessageHeader,
    Name,
    Party,
    PartyKind,
    PartyRole,
    Payment,
    ReportingFI,
)
from exchange.states import DocState, RecordKind
from exchange.store import PacketInfo, store_file
from exchange.store.bulk import CopyWriter, ExecutemanyWriter
from exchange.store.chains import ChainEntry, NewVersion
from exchange.store.rows import COLUMNS, GroupLinks, RowBuffer

SENDER = "NL"


def generate(reports: int) -> Iterator[ReportingFI | AccountReport]:
    """A CRS file's records, made on demand: 70 % individual holders with two payments, 30 % entities with
    one or two controlling persons and one payment."""
    yield ReportingFI(
        doc_spec=DocSpec("OECD1", "NL2025BE-FI"),
        names=(Name(full="Voorbeeld Bank N.V."),),
        res_country_codes=("NL",),
        ins=(TIN("NL000099998B57", issued_by="NL"),),
        addresses=(Address("NL", free="Voorbeeldstraat 1, Amsterdam"),),
    )
    for number in range(reports):
        yield _report(number)


def _individual(number: int, role: PartyRole) -> Party:
    return Party(
        kind=PartyKind.INDIVIDUAL,
        role=role,
        names=(Name(first="Jan", last=f"Peeters{number % 9973}", name_type="OECD202"),),
        res_country_codes=("BE",),
        tins=(TIN(f"{number:011d}", issued_by="BE"),),
        addresses=(Address("BE", fix=AddressFix(city="Brussel", street="Wetstraat", post_code="1000")),),
        birth_date=date(1940 + number % 60, 1 + number % 12, 1 + number % 28),
        ctrlg_person_types=("CRS801",) if role is PartyRole.CONTROLLING_PERSON else (),
    )


def _report(number: int) -> AccountReport:
    balance = Decimal(number * 37 % 10_000_000).scaleb(-2)
    spec = DocSpec("OECD1", f"NL2025BE-AR{number:09d}")
    if number % 10 < 7:
        return AccountReport(
            doc_spec=spec,
            account_number=f"NL{number:020d}",
            account_number_type="OECD601",
            holder=_individual(number, PartyRole.HOLDER),
            balance=balance,
            currency="EUR",
            payments=(Payment("CRS502", Decimal("12.50"), "EUR"), Payment("CRS501", Decimal("3.10"), "EUR")),
        )
    controlling = tuple(
        _individual(number * 10 + k, PartyRole.CONTROLLING_PERSON) for k in range(1 + number % 2)
    )
    return AccountReport(
        doc_spec=spec,
        account_number=f"POL-{number}",
        account_number_type="OECD605",
        holder=Party(
            kind=PartyKind.ORGANISATION,
            names=(Name(full=f"Holding {number} BV"),),
            res_country_codes=("BE",),
            tins=(TIN(f"0{number:09d}", issued_by="BE"),),
            addresses=(Address("BE", free="Kunstlaan 1, Brussel"),),
            acct_holder_type="CRS101",
        ),
        controlling_persons=controlling,
        balance=balance,
        currency="EUR",
        payments=(Payment("CRS504", Decimal("99.99"), "EUR"),),
    )


@dataclass(frozen=True)
class Measurement:
    engine: str
    path: str
    reports: int
    rows: int
    seconds: float
    peak_rss_mib: float

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def _count_rows(connection: Connection) -> int:
    return sum(
        connection.execute(select(func.count()).select_from(metadata.tables[table])).scalar_one()
        for table in COLUMNS
    )


def measure_store(url: str, reports: int, batch: int) -> Measurement:
    configure_logging("warning")
    engine = db.create_db_engine(url)
    db.upgrade(engine)
    packet = PacketInfo(
        sha256=hashlib.sha256(url.encode()).hexdigest(),
        profile="CTS",
        sender=SENDER,
        receiver="BE",
        communication_type="CRS",
        size=0,
    )
    header = MessageHeader(
        message_type="CRS",
        transmitting_country=SENDER,
        receiving_country="BE",
        message_ref_id="NL2025BE-BENCH",
        reporting_period=date(2025, 12, 31),
        timestamp=datetime(2026, 3, 1, tzinfo=UTC),
        message_type_indic="CRS701",
    )
    started = time.perf_counter()
    outcome = store_file(engine, packet, header, generate(reports), batch_size=batch)
    seconds = time.perf_counter() - started
    assert outcome.records_stored == reports + 1, outcome
    with engine.connect() as connection:
        rows = _count_rows(connection)
    engine.dispose()
    return Measurement(
        engine.dialect.name, f"store_file ({_fast_path(url)})", reports, rows, seconds, _peak_rss_mib()
    )


class _PlainPostgres(CopyWriter):
    """PostgreSQL values as the store encodes them, written by executemany instead of COPY."""

    def insert(self, table: str, columns: Any, rows: Any) -> None:
        if rows:
            placeholders = ", ".join(["%s"] * len(columns))
            with self._dbapi.cursor() as cursor:
                cursor.executemany(
                    f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})", rows
                )


def measure_plain(url: str, reports: int, batch: int) -> Measurement:
    configure_logging("warning")
    engine = db.create_db_engine(url)
    db.upgrade(engine)
    started = time.perf_counter()
    with engine.begin() as connection:
        file_id = connection.execute(
            text(
                "INSERT INTO received_file (packet_sha256, profile, sender, receiver, communication_type, "
                "packet_size, state, records_stored, records_refused, received_at, updated_at) "
                "VALUES ('bench', 'CTS', :s, 'BE', 'CRS', 0, 'stored', 0, 0, :t, :t) RETURNING id"
            ),
            {"s": SENDER, "t": datetime.now(UTC)},
        ).scalar_one()
        writer = (
            _PlainPostgres(connection)
            if engine.dialect.name == "postgresql"
            else ExecutemanyWriter(connection)
        )
        ids = _Counters()
        buffer = RowBuffer(writer, ids, file_id, SENDER)
        records = generate(reports)
        while chunk := list(islice(records, batch)):
            versions = []
            for record in chunk:
                doc_id = ids.next("doc_record")
                kind = (
                    RecordKind.ACCOUNT_REPORT
                    if isinstance(record, AccountReport)
                    else RecordKind.REPORTING_FI
                )
                versions.append(
                    NewVersion(
                        ChainEntry(doc_id, kind, DocState.CURRENT, doc_id, False), record.doc_spec, None
                    )
                )
                if isinstance(record, AccountReport):
                    buffer.add_account_report(record, doc_id, GroupLinks(reporting_fi_id=1))
                else:
                    buffer.add_reporting_fi(record, doc_id)
            buffer.add_versions(versions)
            buffer.write()
        rows = _count_rows(connection)
    seconds = time.perf_counter() - started
    engine.dispose()
    return Measurement(engine.dialect.name, "plain executemany", reports, rows, seconds, _peak_rss_mib())


class _Counters:
    """Keys for an empty database written by one process: counting from 1 is enough."""

    def __init__(self) -> None:
        self._counters: dict[str, Iterator[int]] = {}

    def next(self, table: str) -> int:
        return next(self._counters.setdefault(table, count(1)))


def _fast_path(url: str) -> str:
    return "COPY" if url.startswith("postgresql") else "executemany"


def _in_fresh_process(function: Any, *args: Any) -> Measurement:
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
        result: Measurement = pool.submit(function, *args).result()
        return result


def _run_engine(new_url: Any, reports: int, batch: int) -> list[Measurement]:
    return [
        _in_fresh_process(measure_store, new_url(), reports, batch),
        _in_fresh_process(measure_plain, new_url(), reports, batch),
    ]


def _print(results: list[Measurement], versions: dict[str, str]) -> None:
    print(" ".join(f"{name} {version}" for name, version in versions.items()))
    print(
        f"{'engine':<11} {'path':<26} {'reports':>8} {'rows':>9} {'seconds':>8} {'rows/s':>9} {'peak RSS':>9}"
    )
    for m in results:
        print(
            f"{m.engine:<11} {m.path:<26} {m.reports:>8} {m.rows:>9} {m.seconds:>8.2f} "
            f"{m.rows_per_second:>9.0f} {m.peak_rss_mib:>6.0f} MiB"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reports", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=2000)
    parser.add_argument(
        "--postgres-url",
        help="a scratch database the bench may empty between runs; default: a throwaway cluster",
    )
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()

    versions = {"python": platform.python_version(), "sqlite": sqlite3.sqlite_version}
    with tempfile.TemporaryDirectory(prefix="bench-store-") as workdir:
        names = (f"sqlite:///{Path(workdir) / f'{n}.db'}" for n in count())
        results = _run_engine(lambda: next(names), args.reports, args.batch)
    if not args.no_postgres:
        results += _run_postgres(args.postgres_url, args.reports, args.batch, versions)
    _print(results, versions)


def _run_postgres(url: str | None, reports: int, batch: int, versions: dict[str, str]) -> list[Measurement]:
    if url is not None:
        versions["postgresql"] = _server_version(url)
        return _run_engine(lambda: _emptied(url), reports, batch)
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from tests.services import PostgresCluster

    cluster = PostgresCluster.start()
    try:
        versions["postgresql"] = _server_version(cluster.url()) + " (fsync off)"
        return _run_engine(lambda: cluster.create_database(f"bench_{uuid.uuid4().hex[:8]}"), reports, batch)
    finally:
        cluster.stop()


def _emptied(url: str) -> str:
    """The given scratch database, with the store's tables (from an earlier measurement) dropped; it must
    hold nothing else of value, and a database with any other schema version is refused."""
    engine = db.create_db_engine(url)
    try:
        if db.current_revision(engine) not in {None, db.head_revision()}:
            raise SystemExit(f"refusing to empty {url}: it holds another schema version")
        db.downgrade(engine, "base")
    finally:
        engine.dispose()
    return url


def _server_version(url: str) -> str:
    engine = db.create_db_engine(url)
    try:
        with engine.connect() as connection:
            return str(connection.execute(text("SHOW server_version")).scalar_one())
    finally:
        engine.dispose()


if __name__ == "__main__":
    main()
