"""Pipeline benchmark: CRS packets of 1k, 10k and 100k account reports through Kafka into the store,
beside `exchange process` on the same packets, on SQLite and on PostgreSQL; the whole chain, flags
included, against a registry that knows every person the packets report (bench/crs_packets.py).

    .venv/bin/python bench/pipeline.py [--sizes 1000 10000 100000] [--inline-max-bytes N] [--no-postgres]

Per size, a few packets (5 of 1k, 1 of 10k and above) are sealed once; then, per store, each path
starts from a fresh database:
- kafka: the packets are published to the embedded broker (inline up to inline_packet_max_bytes, as a
  claim check above it) and consumed by `exchange run`'s runner and pipeline handler in a child process;
  seconds run from the first record taken to the last offset committed (start-up and group join excluded);
- process: `exchange process PACKET` once per packet, the real command, interpreter start included.
files/s and records/s (account reports stored) are over those seconds; "pipeline" is the part spent in
`Pipeline.process`; peak RSS is the child process's own (`ru_maxrss`). PostgreSQL is a throwaway
cluster (tests.services, fsync off). Figures only: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))  # `python bench/pipeline.py` from anywhere; tests.services for PostgreSQL

import psycopg  # noqa: E402
from aiokafka import AIOKafkaProducer  # noqa: E402

from bench.crs_packets import SENDER, FileSpec, load_registry, people_in, sealed_packet  # noqa: E402
from consumers.admin import ensure_topics, product_topics  # noqa: E402
from consumers.claim_check import deposit  # noqa: E402
from consumers.embedded_broker import die_with_parent  # noqa: E402
from consumers.messages import (  # noqa: E402
    CLAIM_CHECK_CONTENT_TYPE,
    CONTENT_TYPE_HEADER,
    HandlingResult,
    InboundPacket,
    PacketHandler,
)
from crypto.provision import AuthorityFolders, provision_authorities  # noqa: E402
from exchange.settings import Settings  # noqa: E402


@dataclass(frozen=True)
class Batch:
    """The sealed packets of one size."""

    reports: int
    packets: tuple[Path, ...]
    packet_bytes: int
    specs: tuple[FileSpec, ...]  # what each packet reports, for the registry that knows its people


@dataclass(frozen=True)
class Measurement:
    store: str
    path: str
    reports: int
    files: int
    records: int
    seconds: float
    pipeline_seconds: float  # of those, inside `Pipeline.process`
    peak_rss_mib: float
    transport: str = ""


def _files_for(reports: int) -> int:
    return max(1, 5000 // reports)


def seal_batches(sizes: list[int], authorities: dict[str, AuthorityFolders], workdir: Path) -> list[Batch]:
    batches, file_no = [], 0
    for reports in sizes:
        packets, specs = [], []
        for _ in range(_files_for(reports)):
            file_no += 1
            specs.append(FileSpec(file_no, reports))
            started = time.perf_counter()
            packets.append(sealed_packet(file_no, reports, authorities["NL"], authorities["BE"], workdir))
            print(f"  sealed {reports:>7} reports in {time.perf_counter() - started:6.1f}s", file=sys.stderr)
        size = sum(packet.stat().st_size for packet in packets)
        batches.append(Batch(reports, tuple(packets), size, tuple(specs)))
    return batches


@dataclass(frozen=True)
class Rig:
    """What every measurement shares: the broker, BE's keys, a scratch folder, the inline limit."""

    workdir: Path
    broker: str
    be: AuthorityFolders
    inline_max: int

    def settings(self, database_url: str) -> Settings:
        """BE's settings on a fresh database, with topics and a consumer group of their own."""
        run = uuid.uuid4().hex[:8]
        return Settings(
            data_dir=self.workdir / f"be-{run}",
            database_url=database_url,
            keys_dir=self.be.keys_dir,
            partners_dir=self.be.partners_dir,
            kafka_bootstrap_servers=self.broker,
            kafka_consumer_group=f"bench-{run}",
            topic_inbound=f"in-{run}",
            topic_status=f"status-{run}",
            topic_dlq=f"dlq-{run}",
            topic_flags=f"flags-{run}",
            topic_partitions=1,
            inline_packet_max_bytes=self.inline_max,
            metrics_port=0,
            log_level="warning",
        )


async def _publish(
    settings: Settings,
    packets: tuple[Path, ...],
    senders: tuple[str, ...] | None = None,
    partitions: tuple[int, ...] | None = None,
) -> list[str]:
    """Publish as a partner does: inline when small enough, else a claim check; returns how each went.
    Keyed by `senders` (NL for all by default), into `partitions` when given."""
    servers = settings.kafka_bootstrap_servers
    await ensure_topics(servers, product_topics(settings), settings.topic_partitions, 1)
    producer = AIOKafkaProducer(
        bootstrap_servers=servers, acks="all", max_request_size=settings.inline_packet_max_bytes * 2
    )
    await producer.start()
    transports = []
    try:
        for n, packet in enumerate(packets):
            data = packet.read_bytes()
            key = (senders[n] if senders else SENDER).encode()
            partition = partitions[n] if partitions else None
            if len(data) <= settings.inline_packet_max_bytes:
                await producer.send_and_wait(settings.topic_inbound, data, key=key, partition=partition)
                transports.append("inline")
            else:
                check = deposit(data, settings.effective_claim_check_dir)
                header = (CONTENT_TYPE_HEADER, CLAIM_CHECK_CONTENT_TYPE.encode())
                await producer.send_and_wait(
                    settings.topic_inbound, check.to_json(), key=key, headers=[header], partition=partition
                )
                transports.append("claim check")
    finally:
        await producer.stop()
    return transports


def _child_env(settings: Settings) -> dict[str, str]:
    """The settings as `EXCHANGE_*` variables, as an operator configures `exchange run`."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("EXCHANGE_")}
    for name, value in settings.model_dump(exclude_defaults=True, exclude={"key_passphrase"}).items():
        env[f"EXCHANGE_{name.upper()}"] = str(value)
    env["PYTHONPATH"] = str(REPO_ROOT)
    return env


def _run_child(args: list[str], env: dict[str, str]) -> str:
    child = subprocess.run(
        args, capture_output=True, text=True, env=env, preexec_fn=die_with_parent, check=False
    )
    if child.returncode != 0:
        raise RuntimeError(f"{args[1:3]} exited {child.returncode}: {child.stderr[-2000:]}")
    if os.environ.get("BENCH_DEBUG"):
        print(child.stderr, file=sys.stderr)
    return child.stdout


def _process_one(exchange: Path, packet: Path, env: dict[str, str]) -> tuple[float, float, dict[str, Any]]:
    """`exchange process PACKET --json` as an operator runs it: wall seconds, peak RSS, its result."""
    started = time.perf_counter()
    child = subprocess.Popen(
        [str(exchange), "process", str(packet), "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
        preexec_fn=die_with_parent,
    )
    assert child.stdout is not None
    output = child.stdout.read()
    # Reaped by wait4 rather than Popen.wait, which would drop the child's resource usage.
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - started
    result: dict[str, Any] = json.loads(output)
    return seconds, usage.ru_maxrss / 1024, result


def measure_process(settings: Settings, batch: Batch, store: str) -> Measurement:
    exchange = Path(sys.executable).parent / "exchange"
    env = _child_env(settings)
    seconds, inside, peak, records = 0.0, 0.0, 0.0, 0
    for packet in batch.packets:
        took, rss, result = _process_one(exchange, packet, env)
        if result["disposition"] != "accepted":
            raise RuntimeError(f"exchange process: {result['disposition']} {result['findings'][:3]}")
        seconds, inside, peak = seconds + took, inside + result["seconds"], max(peak, rss)
        records += result["records_stored"] - 1  # the ReportingFI is a record too
    files = len(batch.packets)
    return Measurement(store, "exchange process", batch.reports, files, records, seconds, inside, peak)


def measure_kafka(settings: Settings, batch: Batch, store: str) -> Measurement:
    transports = asyncio.run(_publish(settings, batch.packets))
    stdout = _run_child(
        [sys.executable, __file__, "--consume", str(len(batch.packets))], _child_env(settings)
    )
    figures = json.loads(stdout.strip().splitlines()[-1])
    return Measurement(
        store,
        "kafka (exchange run)",
        batch.reports,
        figures["files"],
        figures["records"],
        figures["seconds"],
        figures["pipeline_seconds"],
        figures["peak_rss_mib"],
        transport="/".join(sorted(set(transports))),
    )


class _Clock:
    """Wraps the handler: when the first file started, and the time spent inside the handler."""

    def __init__(self, handler: PacketHandler) -> None:
        self.handler = handler
        self.first_start: float | None = None
        self.inside = 0.0

    def __call__(self, packet: InboundPacket) -> HandlingResult:
        started = time.perf_counter()
        if self.first_start is None:
            self.first_start = started
        try:
            return self.handler(packet)
        finally:
            self.inside += time.perf_counter() - started


def consume(expected_files: int, shared: bool = False) -> dict[str, float]:
    """Child side of the kafka path: `exchange run`'s runner until `expected_files` are committed; when
    the group is `shared` with other workers, until the store has answered that many files, whoever
    took them. Times are also given as wall-clock moments, to compare across workers."""
    from sqlalchemy import func, select

    from consumers.faults import FaultInjector
    from consumers.pipeline_handler import pipeline_handler
    from consumers.runner import ConsumerTuning, InboundRunner
    from exchange import db
    from exchange.instance import claim_store
    from exchange.logs import configure_logging
    from exchange.settings import load_settings
    from exchange.store.models import AccountReportRow, StatusMessageRow

    settings = load_settings()
    configure_logging("info" if os.environ.get("BENCH_DEBUG") else "warning")
    engine = db.create_db_engine(settings.effective_database_url)
    db.upgrade(engine)
    claim_store(engine, settings)
    clock = _Clock(pipeline_handler(settings, engine, FaultInjector()))
    # The embedded broker holds a new group's first join for about half the session timeout: a short
    # one keeps start-up short (it is outside the figures either way).
    runner = InboundRunner(
        settings, clock, tuning=ConsumerTuning(session_timeout_ms=2000, heartbeat_interval_ms=300)
    )

    def answered() -> int:
        with engine.connect() as connection:
            return connection.execute(select(func.count()).select_from(StatusMessageRow)).scalar_one()

    def done() -> bool:
        return answered() >= expected_files if shared else runner.files_done >= expected_files

    async def until_done() -> float:
        task = asyncio.create_task(runner.run())
        while not done() and not task.done():
            await asyncio.sleep(0.2 if shared else 0.02)
        finished = time.perf_counter()
        runner.request_stop()
        await task
        return finished

    finished = asyncio.run(until_done())
    to_wall = time.time() - time.perf_counter()
    with engine.connect() as connection:
        records = connection.execute(select(func.count()).select_from(AccountReportRow)).scalar_one()
    engine.dispose()
    return {
        "files": runner.files_done,
        "records": records,
        "seconds": finished - (clock.first_start or finished),
        "pipeline_seconds": clock.inside,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,  # Linux: KiB
        "cpu_seconds": _cpu_seconds(),
        "first_start_at": (clock.first_start or finished) + to_wall,
        "finished_at": finished + to_wall,
    }


def _cpu_seconds() -> float:
    """This process's user + system CPU seconds (its database server's are not counted)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# -- every core: one worker beside two, in one consumer group on PostgreSQL ----------------------------


@dataclass(frozen=True)
class Scaling:
    workers: int
    files: int
    records: int
    seconds: float
    peak_rss_mib: float
    cpu_seconds: float  # of the workers' processes, start-up included; PostgreSQL's backends not

    @property
    def reports_per_second(self) -> float:
        return self.records / self.seconds

    @property
    def cpu_ms_per_report(self) -> float:
        return 1000 * self.cpu_seconds / self.records


def seal_scaling(reports: int, authorities: dict[str, AuthorityFolders], workdir: Path) -> Batch:
    """Two files from NL and two from LU, about different people each (the crossing case is the
    concurrency test's, tests/pipeline/test_crossing_files.py)."""
    packets, specs = [], []
    for n, sender in enumerate(("NL", "LU", "NL", "LU")):
        spec = FileSpec(900 + n, reports, sender, first_person=n * people_in(reports))
        packets.append(
            sealed_packet(
                spec.file_no, reports, authorities[sender], authorities["BE"], workdir, spec.first_person
            )
        )
        specs.append(spec)
    return Batch(reports, tuple(packets), sum(p.stat().st_size for p in packets), tuple(specs))


def measure_workers(settings: Settings, batch: Batch, workers: int) -> Scaling:
    """`workers` consumer children in one group on two partitions (NL's files in one, LU's in the
    other); seconds from the first file any of them took to the last file answered."""
    env = _child_env(settings)
    args = [sys.executable, __file__, "--consume-shared", str(len(batch.packets))]
    children = [
        subprocess.Popen(args, stdout=subprocess.PIPE, text=True, env=env, preexec_fn=die_with_parent)
        for _ in range(workers)
    ]
    time.sleep(12)  # every member joined and assigned before the files arrive (outside the figures)
    senders = tuple(spec.sender for spec in batch.specs)
    asyncio.run(_publish(settings, batch.packets, senders, tuple(0 if s == "NL" else 1 for s in senders)))
    figures = []
    for child in children:
        output, _ = child.communicate()
        if child.returncode != 0:
            raise RuntimeError(f"worker exited {child.returncode}")
        figures.append(json.loads(output.strip().splitlines()[-1]))
    started = min(f["first_start_at"] for f in figures if f["files"])
    finished = max(f["finished_at"] for f in figures)
    records = max(int(f["records"]) for f in figures)
    files = sum(int(f["files"]) for f in figures)
    cpu = sum(float(f["cpu_seconds"]) for f in figures)
    return Scaling(workers, files, records, finished - started, max(f["peak_rss_mib"] for f in figures), cpu)


def run_scaling(new_url: Callable[[], str], batch: Batch, rig: Rig) -> list[Scaling]:
    results = []
    for workers in (1, 2):
        settings = rig.settings(_prepared(new_url(), batch)).model_copy(update={"topic_partitions": 2})
        result = measure_workers(settings, batch, workers)
        print(f"  postgresql {workers} worker(s): {result.seconds:.1f}s", file=sys.stderr)
        results.append(result)
    return results


def print_scaling(results: list[Scaling], batch: Batch) -> None:
    print(f"every core (PostgreSQL): {len(batch.packets)} files of {batch.reports} reports, NL and LU")
    print(
        f"{'workers':>8}{'files':>6}{'records':>9}{'seconds':>9}{'reports/s':>10}{'peak RSS':>10}"
        f"{'scaling':>9}{'worker CPU ms/report':>22}"
    )
    for r in results:
        ratio = r.reports_per_second / results[0].reports_per_second
        print(
            f"{r.workers:>8}{r.files:>6}{r.records:>9}{r.seconds:>9.2f}{r.reports_per_second:>10.0f}"
            f"{r.peak_rss_mib:>6.0f} MiB{ratio:>8.2f}x{r.cpu_ms_per_report:>22.2f}"
        )
    print(f"load average during the run (1, 5, 15 min): {os.getloadavg()}")


def load_store(url: str, specs: list[tuple[int, int]]) -> None:
    """Child side: the schema, and the registry of the people the packets report (bench/crs_packets)."""
    from exchange import db

    engine = db.create_db_engine(url)
    db.upgrade(engine)
    load_registry(engine, [FileSpec(file_no, reports) for file_no, reports in specs])
    engine.dispose()


def _prepared(url: str, batch: Batch) -> str:
    """A fresh store with the registry, loaded by a child so that no figure carries its memory."""
    specs = json.dumps([[spec.file_no, spec.reports] for spec in batch.specs])
    _run_child([sys.executable, __file__, "--load", url, specs], {**os.environ, "PYTHONPATH": str(REPO_ROOT)})
    return url


def run_store(store: str, new_url: Callable[[], str], batches: list[Batch], rig: Rig) -> list[Measurement]:
    results = []
    for batch in batches:
        for measure in (measure_kafka, measure_process):
            started = time.perf_counter()
            result = measure(rig.settings(_prepared(new_url(), batch)), batch, store)
            took = time.perf_counter() - started
            print(
                f"  {store} {batch.reports} {result.path}: {result.seconds:.1f}s measured, {took:.1f}s all",
                file=sys.stderr,
            )
            results.append(result)
    return results


@contextmanager
def postgres_urls() -> Iterator[tuple[Callable[[], str], str]]:
    from tests.services import PostgresCluster

    cluster = PostgresCluster.start()
    try:
        with psycopg.connect(cluster.url().replace("+psycopg", "")) as connection:
            version = str(connection.execute("SHOW server_version").fetchone()[0])  # type: ignore[index]
        yield (lambda: cluster.create_database(f"bench_{uuid.uuid4().hex[:8]}")), version
    finally:
        cluster.stop()


def print_table(results: list[Measurement], batches: list[Batch], versions: dict[str, str]) -> None:
    print(" ".join(f"{name} {version}" for name, version in versions.items()))
    for batch in batches:
        mib = batch.packet_bytes / len(batch.packets) / 2**20
        print(f"packets of {batch.reports} reports: {len(batch.packets)} x {mib:.2f} MiB")
    print(
        f"{'store':<11}{'path':<22}{'transport':<13}{'reports':>8}{'files':>6}{'records':>9}"
        f"{'seconds':>9}{'pipeline':>9}{'files/s':>9}{'records/s':>10}{'peak RSS':>10}"
    )
    for m in results:
        print(
            f"{m.store:<11}{m.path:<22}{m.transport or '-':<13}{m.reports:>8}{m.files:>6}{m.records:>9}"
            f"{m.seconds:>9.2f}{m.pipeline_seconds:>9.2f}{m.files / m.seconds:>9.2f}"
            f"{m.records / m.seconds:>10.0f}{m.peak_rss_mib:>6.0f} MiB"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000, 100_000])
    parser.add_argument("--inline-max-bytes", type=int, default=Settings().inline_packet_max_bytes)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument(
        "--scaling-reports", type=int, default=10_000, help="reports per file of the 1 vs 2 workers case"
    )
    parser.add_argument("--only-scaling", action="store_true", help="measure 1 vs 2 workers alone")
    args = parser.parse_args()

    from consumers.embedded_broker import EmbeddedBroker
    from exchange.logs import configure_logging

    configure_logging("warning")
    versions = {"python": platform.python_version(), "sqlite": sqlite3.sqlite_version}
    with tempfile.TemporaryDirectory(prefix="bench-pipeline-") as tmp, EmbeddedBroker() as broker:
        workdir = Path(tmp)
        authorities = provision_authorities(workdir / "authorities", ["BE", "NL", "LU"])
        sizes = [] if args.only_scaling else args.sizes
        batches = seal_batches(sizes, authorities, workdir / "packets")
        rig = Rig(workdir, broker.bootstrap_servers, authorities["BE"], args.inline_max_bytes)
        names = (f"sqlite:///{workdir / f'store-{n}.db'}" for n in range(1_000_000))
        results = run_store("sqlite", lambda: next(names), batches, rig)
        scaling: list[Scaling] = []
        if not args.no_postgres:
            scaling_batch = seal_scaling(args.scaling_reports, authorities, workdir / "scaling")
            with postgres_urls() as (new_url, version):
                versions["postgresql"] = f"{version} (fsync off)"
                results += run_store("postgresql", new_url, batches, rig)
                scaling = run_scaling(new_url, scaling_batch, rig)
    print_table(results, batches, versions)
    if scaling:
        print_scaling(scaling, scaling_batch)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--consume"]:
        print(json.dumps(consume(int(sys.argv[2]))))
    elif sys.argv[1:2] == ["--consume-shared"]:
        print(json.dumps(consume(int(sys.argv[2]), shared=True)))
    elif sys.argv[1:2] == ["--load"]:
        load_store(sys.argv[2], json.loads(sys.argv[3]))
    else:
        main()
