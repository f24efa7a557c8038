"""`exchange demo`: Belgium receives from the Netherlands and Luxembourg, through the real pipeline.

Everything runs here, on the embedded default: the embedded Kafka-compatible broker, a SQLite store, key
pairs made for the three authorities, a synthetic Belgian population, and the partners' files (good ones,
defective ones, then a round of corrections) published to the inbound topic and answered by `exchange run`'s
own runner. The summary is read back from the store and the status topic, not from what was planned.

Same seed, same demo: the inbound topic is partitioned by sender as in production, so which sender's
next file the runner reads first would be decided by the broker. The demo therefore publishes one
sender's files of a round and waits for their answers before the next sender's: files reach the store,
and flags get their numbers, in the same order on every run.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click
from sqlalchemy import Engine

from crypto import PacketRequest, Profile, create_packet
from crypto.provision import AuthorityFolders, provision_authorities
from exchange import db
from exchange.demo.folder import AUTHORITIES, BROKER_LOG, CLAIMS, OUTBOX, STORE_FILE
from exchange.demo.scenario import DemoFile, Round, Scenario, build_scenario
from exchange.demo.summary import PlannedFile, summarize
from exchange.instance import claim_store
from exchange.pipeline import Pipeline
from exchange.registry.load import load_population, population_tables
from exchange.registry.synthetic.population import Population, generate_population
from exchange.settings import Settings

SENDERS = ("NL", "LU")


@dataclass
class DemoRun:
    """Where the demo keeps its things, and what it did."""

    settings: Settings
    directory: Path
    size: int
    seed: int
    show_progress: bool
    timings: dict[str, float] = field(default_factory=dict)

    def step(self, name: str, started: float) -> None:
        self.timings[name] = round(time.perf_counter() - started, 2)
        self.say(f"  {name} ({self.timings[name]:.1f}s)")

    def say(self, line: str) -> None:
        if self.show_progress:
            click.echo(line, err=True)

    def progressbar(self, length: int, label: str) -> Any:
        return click.progressbar(
            length=length, label=label, file=sys.stderr if self.show_progress else io.StringIO()
        )


@dataclass(frozen=True)
class SealedFile:
    """A planned file as the partner sends it: the packet on disk."""

    round: Round
    file: DemoFile
    path: Path


def _seal(file: DemoFile, authorities: dict[str, AuthorityFolders], outbox: Path) -> Path:
    """The partner's packet: signed by the sender (or, for the forged one, by another authority)."""
    signer = authorities[file.signer or file.sender]
    created = create_packet(
        file.document,
        PacketRequest(Profile.CTS, file.sender, "BE", file.communication_type, tax_year=2025),
        signer=signer.keyring().signing_pair(signer.jurisdiction),
        receiver_certificate=authorities[file.sender].trust().encryption_certificate("BE"),
        directory=outbox / file.sender,
    )
    return created.path


def _plan(sealed: Sequence[SealedFile]) -> dict[str, PlannedFile]:
    """What each packet was meant to be, by the SHA-256 the store keeps of every file it receives."""
    return {
        hashlib.sha256(s.path.read_bytes()).hexdigest(): PlannedFile(
            s.round.number, s.file.label, s.file.expected
        )
        for s in sealed
    }


async def _deliver(
    run: DemoRun, settings: Settings, engine: Engine, scenario: Scenario, sealed: Sequence[SealedFile]
) -> dict[str, Any]:
    """Round by round, sender by sender: publish the sender's files, wait until the runner answered them."""
    from consumers.admin import ensure_topics, product_topics
    from consumers.pipeline_handler import PipelineHandler
    from consumers.publisher import publish_packets
    from consumers.runner import ConsumerTuning, InboundRunner

    await ensure_topics(
        settings.kafka_bootstrap_servers, product_topics(settings), settings.topic_partitions, 1
    )
    tuning = ConsumerTuning(session_timeout_ms=6000, heartbeat_interval_ms=1000)
    runner = InboundRunner(settings, PipelineHandler(Pipeline(settings, engine)), tuning=tuning)
    task = asyncio.create_task(runner.run())
    paths = {id(s.file): s.path for s in sealed}
    claimed = expected = 0
    try:
        for round_ in scenario.rounds:
            run.say(f"  round {round_.number} of {len(scenario.rounds)}, {round_.title}:")
            for sender, files in round_.by_sender(SENDERS):
                if not files:
                    continue
                claimed += await publish_packets(settings, [(sender, paths[id(f)]) for f in files])
                expected += len(files)
                with run.progressbar(len(files), f"    {sender}: {len(files)} files") as bar:
                    await _follow(runner, task, expected, bar)
    finally:
        runner.request_stop()
        await task
    return {"claim_checks": claimed, "files_consumed": runner.files_done}


async def _follow(runner: Any, task: asyncio.Task[None], expected: int, bar: Any) -> None:
    """Wait until the runner has settled `expected` files in all, moving the bar as they go."""
    shown = runner.files_done
    while runner.files_done < expected:
        if task.done():
            task.result()  # the runner stopped: raise its error
            raise click.ClickException("the runner stopped before all files were processed")
        await asyncio.sleep(0.1)
        bar.update(runner.files_done - shown)
        shown = runner.files_done


def _load_registry(run: DemoRun, engine: Engine, population: Population) -> dict[str, Any]:
    rows = sum(len(table) for table in population_tables(population).values())
    label = f"  Belgian registry: {len(population.taxpayers)} taxpayers, {rows} rows"
    with run.progressbar(rows, label) as bar:
        reports = load_population(engine, population, on_progress=bar.update)
    return {report.table: report.rows_written for report in reports}


def _two_way(
    settings: Settings,
    folders: dict[str, AuthorityFolders],
    directory: Path,
    be_engine: Engine,
    population: Population,
    seed: int,
) -> dict[str, Any]:
    """The three authorities' exchange (exchange.demo.twoway), BE's instance being the demo's."""
    from exchange.demo.twoway import directions, exchange_among, open_authorities

    instances = open_authorities(settings, folders, directory, be_engine)
    try:
        asyncio.run(exchange_among(instances, population, seed))
        return directions(instances)
    finally:
        for instance in instances:
            if instance.engine is not be_engine:
                instance.engine.dispose()


def run_demo(
    settings: Settings, directory: Path, *, size: int, seed: int, show_progress: bool
) -> dict[str, Any]:
    """The whole demo in `directory` (a folder held by exchange.demo.folder); returns the summary."""
    from consumers.embedded_broker import EmbeddedBroker

    run = DemoRun(settings, directory, size, seed, show_progress)
    started = time.perf_counter()
    with EmbeddedBroker(log_path=directory / BROKER_LOG) as broker:
        run.step("embedded broker ready", started)
        begun = time.perf_counter()
        authorities = provision_authorities(directory / AUTHORITIES, ["BE", *SENDERS])
        be = authorities["BE"]
        demo_settings = settings.model_copy(
            update={
                "data_dir": directory,
                "database_url": f"sqlite:///{directory / STORE_FILE}",
                "claim_check_dir": directory / CLAIMS,
                "kafka_bootstrap_servers": broker.bootstrap_servers,
                "kafka_consumer_group": "exchange-demo",
                "keys_dir": be.keys_dir,
                "partners_dir": be.partners_dir,
                "metrics_port": 0,
                "topic_partitions": 3,
            }
        )
        engine = db.create_db_engine(demo_settings.effective_database_url)
        try:
            db.upgrade(engine)
            claim_store(engine, demo_settings)
            run.step("keys for BE, NL, LU and a migrated SQLite store", begun)

            begun = time.perf_counter()
            population = generate_population(size, seed=seed)
            registry = _load_registry(run, engine, population)
            run.step(f"Belgian registry of {len(population.taxpayers)} taxpayers", begun)

            begun = time.perf_counter()
            scenario = build_scenario(population, SENDERS, seed)
            sealed = [
                SealedFile(round_, file, _seal(file, authorities, directory / OUTBOX))
                for round_ in scenario.rounds
                for file in round_.files
            ]
            run.step(f"{len(sealed)} packets from NL and LU, in {len(scenario.rounds)} rounds", begun)

            begun = time.perf_counter()
            delivery = asyncio.run(_deliver(run, demo_settings, engine, scenario, sealed))
            run.step("pipeline through Kafka", begun)

            begun = time.perf_counter()
            two_way = _two_way(demo_settings, authorities, directory, engine, population, seed)
            run.step("BE, NL and LU: submissions, files sent both ways, answers read", begun)

            exchanged = [direction["message_ref_id"] for direction in two_way["directions"]]
            summary = summarize(engine, demo_settings, scenario, authorities, _plan(sealed), exchanged)
            summary["two_way"] = two_way
        finally:
            engine.dispose()
    summary.update(
        {
            "registry": registry,
            "delivery": delivery,
            "broker": broker.bootstrap_servers,
            "store": demo_settings.effective_database_url,
            "directory": str(directory),
            "timings": run.timings,
            "seconds": round(time.perf_counter() - started, 2),
        }
    )
    return summary
