"""`exchange demo`: Belgium receives from the Netherlands and Luxembourg, through the real pipeline.

Everything runs here, on the embedded default: the embedded Kafka-compatible broker, a SQLite store, key
pairs made for the three authorities, a synthetic Belgian population, and the partners' files (good ones,
defective ones, then a round of corrections) published to the inbound topic and answered by `exchange run`'s
own runner. The summary is read back from the store and the status topic, not from what was planned.
"""

from __future__ import annotations

import asyncio
import io
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click
from sqlalchemy import Engine

from crypto import PacketRequest, Profile, create_packet
from crypto.provision import AuthorityFolders, provision_authorities
from exchange import db
from exchange.demo.scenario import DemoFile, Scenario, build_scenario
from exchange.demo.summary import summarize
from exchange.instance import claim_store
from exchange.pipeline import Pipeline
from exchange.registry.load import load_population
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
        if self.show_progress:
            click.echo(f"  {name} ({self.timings[name]:.1f}s)", err=True)


def _seal(file: DemoFile, authorities: dict[str, AuthorityFolders], outbox: Path) -> Path:
    """The partner's packet: signed by the sender (or, for the forged one, by another authority)."""
    signer = authorities[file.signer or file.sender]
    created = create_packet(
        file.document,
        PacketRequest(Profile.CTS, file.sender, "BE", "CRS", tax_year=2025),
        signer=signer.keyring().signing_pair(signer.jurisdiction),
        receiver_certificate=authorities[file.sender].trust().encryption_certificate("BE"),
        directory=outbox / file.sender,
    )
    return created.path


async def _deliver(
    run: DemoRun, settings: Settings, engine: Engine, rounds: list[list[tuple[str, Path]]]
) -> dict[str, Any]:
    """Publish each round, let the runner answer it, then the next round (corrections come after)."""
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
    claimed = 0
    try:
        expected = 0
        for number, packets in enumerate(rounds, start=1):
            claimed += await publish_packets(settings, packets)
            expected += len(packets)
            await _follow(runner, task, expected, len(packets), f"round {number}", run.show_progress)
    finally:
        runner.request_stop()
        await task
    return {"claim_checks": claimed, "files_consumed": runner.files_done}


async def _follow(
    runner: Any, task: asyncio.Task[None], expected: int, count: int, label: str, show: bool
) -> None:
    start = runner.files_done
    with click.progressbar(
        length=count, label=f"  {label}", file=sys.stderr if show else io.StringIO()
    ) as bar:
        shown = 0
        while runner.files_done < expected:
            if task.done():
                task.result()  # the runner stopped: raise its error
                raise click.ClickException("the runner stopped before all files were processed")
            await asyncio.sleep(0.1)
            bar.update(runner.files_done - start - shown)
            shown = runner.files_done - start


def _load_registry(engine: Engine, population: Population) -> dict[str, Any]:
    reports = load_population(engine, population)
    return {report.table: report.rows_written for report in reports}


def run_demo(
    settings: Settings, directory: Path, *, size: int, seed: int, show_progress: bool
) -> dict[str, Any]:
    """The whole demo in `directory`; returns the summary."""
    from consumers.embedded_broker import EmbeddedBroker

    run = DemoRun(settings, directory, size, seed, show_progress)
    started = time.perf_counter()
    with EmbeddedBroker(log_path=directory / "broker.log") as broker:
        run.step("embedded broker ready", started)
        begun = time.perf_counter()
        authorities = provision_authorities(directory / "authorities", ["BE", *SENDERS])
        be = authorities["BE"]
        demo_settings = settings.model_copy(
            update={
                "data_dir": directory,
                "database_url": f"sqlite:///{directory / 'exchange.db'}",
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
            registry = _load_registry(engine, population)
            run.step(f"Belgian registry of {len(population.taxpayers)} taxpayers", begun)

            begun = time.perf_counter()
            scenario: Scenario = build_scenario(population, SENDERS, seed)
            rounds = [
                [(f.sender, _seal(f, authorities, directory / "outbox")) for f in r] for r in scenario.rounds
            ]
            run.step(f"{len(scenario.files)} packets from NL and LU", begun)

            begun = time.perf_counter()
            delivery = asyncio.run(_deliver(run, demo_settings, engine, rounds))
            run.step("pipeline through Kafka", begun)

            summary = summarize(engine, demo_settings, scenario, authorities)
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
