"""Console benchmark: server time per page on a large store, beside the same queries as plain SQL, and
the memory of a whole CSV export streamed by the console.

    .venv/bin/python bench/console.py [--flags 1000000] [--taxpayers 300000] [--repeat 30] [--postgres]

A store (SQLite; PostgreSQL too with --postgres, a throwaway cluster from tests.services) is filled with
set-based inserts (not through the pipeline): taxpayers, their risk scores and flags spread over codes,
senders, years and institutions. Each page is asked through the console's ASGI application in this
process (routing, login check, audit entry, queries, template, charts: what the server does, without the
network), `--repeat` times; beside it, the page's queries as plain SQL on the same connection. The
export runs in a fresh child process: its peak RSS before and after streaming every flag as CSV.
Figures only: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import platform
import re
import resource
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal
from multiprocessing import get_context
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))  # `python bench/console.py` from anywhere; tests.services for PostgreSQL

from sqlalchemy import Engine, insert, text  # noqa: E402
from starlette.testclient import TestClient  # noqa: E402

from exchange import db  # noqa: E402
from exchange.anomalies.facet_counts import recount  # noqa: E402
from exchange.anomalies.models import Flag, TaxpayerRisk  # noqa: E402
from exchange.console import create_app  # noqa: E402
from exchange.logs import configure_logging  # noqa: E402
from exchange.records import PartyKind  # noqa: E402
from exchange.registry.models import Taxpayer  # noqa: E402
from exchange.settings import Settings  # noqa: E402
from exchange.users import Role, add_user  # noqa: E402

CHUNK = 20_000
CODES = ("DC01", "DC02", "DC03", "AC01", "AC02", "AC03", "ID01", "ID02", "ID03", "RS01", "SB01", "NF01")
SEVERITIES = ("high", "medium", "low")
SENDERS = ("LU", "NL", "FR", "DE")
YEARS = (2023, 2024, 2025)
PASSWORD = "benchmark password"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')

# The flags page the issue names: facets and two filters (code and sender).
FLAGS_PAGE = "/flags?code=DC01&sender=LU"
# The page's queries, as plain SQL: the count and the five facets from one grouped query, then the
# page's ids in order before their rows (exchange/anomalies/queries.py).
PLAIN_FLAGS = [
    "SELECT code, severity, sender, reporting_year, institution, count(*) FROM flag "
    "WHERE state = 'raised' AND code = 'DC01' AND sender = 'LU' "
    "GROUP BY code, severity, sender, reporting_year, institution",
    "SELECT flag.*, t.national_id, r.score FROM (SELECT flag.id AS page_id FROM flag "
    "LEFT JOIN taxpayer_risk r ON r.taxpayer_id = flag.taxpayer_id "
    "WHERE flag.state = 'raised' AND code = 'DC01' AND sender = 'LU' "
    "ORDER BY coalesce(r.score, 0) DESC, flag.id DESC LIMIT 50) AS page JOIN flag ON flag.id = page.page_id "
    "LEFT JOIN taxpayer t ON t.id = flag.taxpayer_id "
    "LEFT JOIN taxpayer_risk r ON r.taxpayer_id = flag.taxpayer_id "
    "ORDER BY coalesce(r.score, 0) DESC, flag.id DESC",
]


def _unfiltered(statement: str) -> str:
    return statement.replace(" AND code = 'DC01' AND sender = 'LU'", "")


def _taxpayers(count: int) -> Iterator[list[dict[str, Any]]]:
    now = datetime.now(UTC)
    for start in range(0, count, CHUNK):
        yield [
            {"id": n + 1, "country": "BE", "national_id": f"{n + 1:011d}", "id_type": "NRN",
             "kind": PartyKind.INDIVIDUAL, "given_names": "Bench", "family_name": f"Person {n}",
             "updated_at": now}
            for n in range(start, min(start + CHUNK, count))
        ]  # fmt: skip


def _risks(count: int) -> Iterator[list[dict[str, Any]]]:
    now = datetime.now(UTC)
    for start in range(0, count, CHUNK):
        yield [
            {"taxpayer_id": n + 1, "score": float((n * 37) % 100), "flags": 3, "max_severity": "high",
             "updated_at": now}
            for n in range(start, min(start + CHUNK, count))
        ]  # fmt: skip


def _flags(count: int, taxpayers: int) -> Iterator[list[dict[str, Any]]]:
    now = datetime.now(UTC)
    for start in range(0, count, CHUNK):
        yield [
            {
                "fingerprint": f"bench|{n}",
                "code": CODES[n % len(CODES)],
                "scope_key": f"account:{n}",
                "state": "raised" if n % 20 else "retracted",
                "severity": SEVERITIES[n % 3],
                "score": 30,
                "taxpayer_id": (n * 7919) % taxpayers + 1,
                "sender": SENDERS[(n // 3) % len(SENDERS)],
                "reporting_year": YEARS[(n // 11) % len(YEARS)],
                "institution": f"{SENDERS[(n // 3) % len(SENDERS)]}:FI{n % 50:04d}",
                "amount": Decimal(n % 250_000) + Decimal("0.50"),
                "currency": "EUR",
                "evidence": {"balance": f"{n % 250_000}.50", "country": "LU"},
                "raised_at": now,
                "updated_at": now,
            }
            for n in range(start, min(start + CHUNK, count))
        ]


def _fill(engine: Engine, flags: int, taxpayers: int) -> None:
    db.upgrade(engine)
    for rows, table in ((_taxpayers(taxpayers), Taxpayer), (_risks(taxpayers), TaxpayerRisk)):
        for chunk in rows:
            with engine.begin() as connection:
                connection.execute(insert(table), chunk)
    for chunk in _flags(flags, taxpayers):
        with engine.begin() as connection:
            connection.execute(insert(Flag), chunk)
    with engine.begin() as connection:
        recount(connection)  # the flags were loaded past the flag writer, which keeps these counts
    add_user(engine, "bench", Role.ANALYST, PASSWORD)
    if engine.dialect.name == "postgresql":
        # What autovacuum does soon after a load: statistics, and the visibility map that lets the
        # facet index be read alone (an index-only scan).
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE flag, flag_facet_count, taxpayer, taxpayer_risk"))


def _logged_in(settings: Settings, engine: Engine) -> TestClient:
    client = TestClient(create_app(settings, engine), base_url="http://console.bench")
    form = client.get("/login").text
    token = _CSRF.search(form)
    assert token is not None
    client.post("/login", data={"name": "bench", "password": PASSWORD, "csrf_token": token.group(1)})
    return client


def _times(run: Callable[[], object], repeat: int) -> tuple[float, float]:
    run()  # warm: caches, the chart renderer, the first query plans
    taken = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        taken.append((time.perf_counter() - started) * 1000)
    taken.sort()
    return statistics.median(taken), taken[min(len(taken) - 1, int(0.95 * len(taken)))]


def _page(client: TestClient, path: str) -> Callable[[], object]:
    def get() -> object:
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code, response.text[-400:])
        return response

    return get


def _plain(engine: Engine, statements: list[str]) -> Callable[[], object]:
    def run() -> object:
        with engine.connect() as connection:
            return [connection.execute(text(statement)).all() for statement in statements]

    return run


def _rss_mib() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if platform.system() == "Darwin" else peak / 1024


def _export(url: str, data_dir: str) -> tuple[int, float, float]:
    """In the child: the console's whole CSV export of every flag (all states), read and dropped."""
    configure_logging("warning", "console")
    settings = Settings(data_dir=Path(data_dir), database_url=url)
    engine = db.create_db_engine(url)
    client = _logged_in(settings, engine)
    baseline = _rss_mib()
    lines = 0
    with client.stream("GET", "/flags.csv?state=all") as response:
        for chunk in response.iter_bytes():
            lines += chunk.count(b"\n")
    engine.dispose()
    return lines - 1, baseline, _rss_mib()


@contextmanager
def _stores(tmp: Path, postgres: bool) -> Iterator[list[tuple[str, str]]]:
    urls = [("SQLite", f"sqlite:///{tmp / 'console.db'}")]
    cluster = None
    if postgres:
        from tests.services import PostgresCluster

        cluster = PostgresCluster.start()
        urls.append(("PostgreSQL", cluster.create_database(f"b_{uuid.uuid4().hex[:12]}")))
    try:
        yield urls
    finally:
        if cluster is not None:
            cluster.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--flags", type=int, default=1_000_000)
    parser.add_argument("--taxpayers", type=int, default=300_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--postgres", action="store_true", help="also on a throwaway PostgreSQL")
    args = parser.parse_args()
    configure_logging("warning", "console")
    flag_id, taxpayer = args.flags // 2, args.taxpayers // 3
    pages = [
        ("flags, facets + 2 filters", FLAGS_PAGE, PLAIN_FLAGS),
        ("flags, facets, no filter", "/flags", [_unfiltered(statement) for statement in PLAIN_FLAGS]),
        ("a flag", f"/flags/{flag_id}", [f"SELECT * FROM flag WHERE id = {flag_id}"]),
        ("a taxpayer", f"/taxpayers/{taxpayer}", [f"SELECT * FROM flag WHERE taxpayer_id = {taxpayer}"]),
    ]
    print(f"{args.flags:,} flags over {args.taxpayers:,} taxpayers; {args.repeat} requests per page")
    print(f"{'store':<11} {'page':<26} {'median ms':>9} {'p95 ms':>8} {'plain SQL median':>16} {'p95':>7}")
    with (
        tempfile.TemporaryDirectory(prefix="bench-console-") as root,
        _stores(Path(root), args.postgres) as stores,
    ):
        for store, url in stores:
            engine = db.create_db_engine(url)
            started = time.perf_counter()
            _fill(engine, args.flags, args.taxpayers)
            print(f"{store}: filled in {time.perf_counter() - started:.0f} s")
            settings = Settings(data_dir=Path(root), database_url=url)
            client = _logged_in(settings, engine)
            for name, path, plain in pages:
                median, p95 = _times(_page(client, path), args.repeat)
                plain_median, plain_p95 = _times(_plain(engine, plain), args.repeat)
                figures = f"{median:>9.1f} {p95:>8.1f} {plain_median:>16.1f} {plain_p95:>7.1f}"
                print(f"{store:<11} {name:<26} {figures}")
            client.close()
            engine.dispose()
            with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
                rows, baseline, peak = pool.submit(_export, url, root).result()
            print(f"{store:<11} CSV export of {rows:,} flags: RSS {baseline:.0f} MiB loaded, "
                  f"peak {peak:.0f} MiB (growth {peak - baseline:.0f} MiB)")  # fmt: skip


if __name__ == "__main__":
    main()
