"""`exchange demo`: the product's main job on the embedded default (embedded broker, SQLite).

For now it brings up the embedded broker with the product's topics and a migrated SQLite store, and
proves both work (a record through the broker, the schema at head); the pipeline joins it as it lands.
"""

from __future__ import annotations

import asyncio
import shutil
import time
from pathlib import Path
from typing import Any

import click

from exchange import db
from exchange.cli.context import CliContext, emit, json_option, pass_context
from exchange.instance import claim_store


def _human(result: dict[str, Any]) -> str:
    broker, store = result["broker"], result["store"]
    return "\n".join(
        [
            f"broker  ready  {broker['bootstrap_servers']}  topics: {', '.join(broker['topics'])}  "
            f"probe {broker['probe_ms']:.0f} ms",
            f"store   ready  {store['database']}  schema {store['revision']}  "
            f"home {store['home_jurisdiction']}",
            f"demo finished in {result['seconds']:.1f}s"
            + (f"; store kept in {store['path']}" if result["kept"] else ""),
        ]
    )


@click.command("demo")
@click.option("--keep", is_flag=True, help="Keep the demo store for the analyst commands afterwards.")
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where the demo's SQLite store goes (default: data_dir/demo).",
)
@json_option
@pass_context
def demo_command(context: CliContext, keep: bool, data_dir: Path | None, as_json: bool) -> None:
    """Run the main job end to end on the embedded broker and a SQLite store."""
    from consumers.admin import ensure_topics, product_topics
    from consumers.embedded_broker import EmbeddedBroker
    from consumers.probe import roundtrip

    settings = context.settings
    started = time.perf_counter()
    demo_dir = data_dir or settings.data_dir / "demo"
    if demo_dir.exists():
        shutil.rmtree(demo_dir)  # every demo starts from an empty store
    demo_dir.mkdir(parents=True)
    database_url = f"sqlite:///{demo_dir / 'exchange.db'}"

    with EmbeddedBroker(log_path=demo_dir / "broker.log") as broker:
        topics = product_topics(settings)
        asyncio.run(
            ensure_topics(broker.bootstrap_servers, topics, settings.topic_partitions, replication_factor=1)
        )
        probe_seconds = asyncio.run(roundtrip(broker.bootstrap_servers, settings.topic_inbound))

        engine = db.create_db_engine(database_url)
        try:
            revision = db.upgrade(engine)
            identity = claim_store(engine, settings)
        finally:
            engine.dispose()

    result = {
        "broker": {
            "bootstrap_servers": broker.bootstrap_servers,
            "topics": topics,
            "probe_ms": probe_seconds * 1000,
        },
        "store": {
            "database": database_url,
            "path": str(demo_dir),
            "revision": revision,
            "home_jurisdiction": identity.home_jurisdiction,
        },
        "kept": keep,
        "seconds": time.perf_counter() - started,
    }
    if not keep:
        shutil.rmtree(demo_dir, ignore_errors=True)
    emit(result, as_json, _human)
