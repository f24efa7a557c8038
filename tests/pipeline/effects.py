"""What the crash and outage tests check after the dust settles: the store holds each file once (row
for row what one clean run stores), and each sender got its status message, the same bytes every time."""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import replace
from decimal import Decimal
from itertools import repeat
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from consumers.admin import ensure_topics, product_topics
from consumers.backlog import broker_backlog
from crypto.provision import AuthorityFolders
from exchange.db import create_db_engine, upgrade
from exchange.pipeline import Pipeline
from exchange.settings import Settings
from exchange.store.models import (
    AccountReportRow,
    DocRecord,
    FindingRow,
    PartyRow,
    PaymentRow,
    ReceivedFile,
    StatusMessageRow,
)
from tests.pipeline.conftest import CSM, builders, crs_file, open_answer, seal

_TABLES = (ReceivedFile, DocRecord, AccountReportRow, PartyRow, PaymentRow, FindingRow, StatusMessageRow)


def benelux_files(benelux: dict[str, AuthorityFolders], tmp: Path) -> dict[str, tuple[str, bytes]]:
    """Three packets by original MessageRefId, with their sender: two from LU, one from NL with a
    record error (a negative balance, 60002)."""
    negative = replace(builders.account_report(doc_ref_id="NL2025BE-NEG"), balance=Decimal("-1.00"))
    documents = {
        "LU2025BE0001": (
            "LU",
            crs_file(
                "LU",
                builders.account_report("LU2025BE-AR1"),
                builders.account_report("LU2025BE-AR2"),
                message_ref_id="LU2025BE0001",
            ),
        ),
        "NL2025BE0002": (
            "NL",
            crs_file(
                "NL",
                builders.account_report("NL2025BE-AR1"),
                negative,
                header=builders.header(transmitting="NL", message_ref_id="NL2025BE0002"),
                fi=builders.reporting_fi("NL2025BE-FI1", countries=("NL",)),
            ),
        ),
        "LU2025BE0003": (
            "LU",
            crs_file(
                "LU",
                builders.account_report("LU2025BE-AR3"),
                message_ref_id="LU2025BE0003",
                fi=builders.reporting_fi("LU2025BE-FI3"),
            ),
        ),
    }
    return {
        ref: (sender, seal(document, benelux[sender], benelux["BE"], tmp))
        for ref, (sender, document) in documents.items()
    }


def table_counts(engine: Engine) -> dict[str, int]:
    with Session(engine) as session:
        return {
            model.__name__: int(session.scalar(select(func.count()).select_from(model)) or 0)
            for model in _TABLES
        }


def clean_run_counts(settings: Settings, packets: Iterable[bytes], tmp: Path) -> dict[str, int]:
    """The rows one uninterrupted run stores for these packets, on a fresh SQLite store."""
    clean = settings.model_copy(update={"database_url": f"sqlite:///{tmp / 'clean.db'}"})
    engine = create_db_engine(str(clean.database_url))
    try:
        upgrade(engine)
        pipeline = Pipeline(clean, engine)
        for packet in packets:
            pipeline.process(packet)
        return table_counts(engine)
    finally:
        engine.dispose()


def stored_answers(engine: Engine) -> dict[str, bytes]:
    """The status message stored for each file, by the file's MessageRefId."""
    with Session(engine) as session:
        rows = session.execute(
            select(ReceivedFile.message_ref_id, StatusMessageRow.content).join(StatusMessageRow.file)
        )
        return {str(ref): bytes(content) for ref, content in rows}


async def _whole_topic(servers: str, topic: str) -> list[ConsumerRecord[Any, Any]]:
    """Every record of `topic`, up to its end offsets at the time of asking."""
    consumer = AIOKafkaConsumer(bootstrap_servers=servers, enable_auto_commit=False)
    await consumer.start()
    try:
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        consumer.assign(partitions)
        await consumer.seek_to_beginning()
        ends = await consumer.end_offsets(partitions)
        records: list[ConsumerRecord[Any, Any]] = []
        while [p for p in partitions if await consumer.position(p) < ends[p]]:
            for batch in (await consumer.getmany(timeout_ms=500)).values():
                records += batch
        return records
    finally:
        await consumer.stop()


def published_answers(settings: Settings, benelux: dict[str, AuthorityFolders]) -> dict[str, list[bytes]]:
    """Every status message on the status topic, opened by its recipient, by original MessageRefId."""
    records = asyncio.run(_whole_topic(settings.kafka_bootstrap_servers, settings.topic_status))
    answers: dict[str, list[bytes]] = defaultdict(list)
    for record in records:
        message = open_answer(record.value, benelux[record.key.decode()])
        answers[str(message.findtext(f".//{{{CSM}}}OriginalMessageRefID"))].append(record.value)
    return dict(answers)


def topic_records(settings: Settings, topic: str) -> list[ConsumerRecord[Any, Any]]:
    """Every record of one of the settings' topics, as the broker lists it now."""
    return asyncio.run(_whole_topic(settings.kafka_bootstrap_servers, topic))


def dead_letters(settings: Settings) -> int:
    return len(asyncio.run(_whole_topic(settings.kafka_bootstrap_servers, settings.topic_dlq)))


def lag(settings: Settings) -> int:
    return asyncio.run(broker_backlog(settings)).total_lag


def wait_for_lag(settings: Settings, target: int, timeout_s: float = 60.0) -> None:
    """Until the group's committed offsets leave exactly `target` records unconsumed."""
    deadline = time.monotonic() + timeout_s
    while (current := lag(settings)) != target:
        if time.monotonic() > deadline:
            raise TimeoutError(f"lag still {current}, not {target}, after {timeout_s:.0f}s")
        time.sleep(0.2)


def publish(
    settings: Settings, packets: Iterable[tuple[str, bytes]], partitions: Iterable[int] | None = None
) -> None:
    """Create the product's topics and publish each packet keyed by its sender, as partners do; into
    the given partitions, one per packet, when the test must know where each one lands."""

    async def go() -> None:
        servers = settings.kafka_bootstrap_servers
        await ensure_topics(servers, product_topics(settings), settings.topic_partitions, 1)
        producer = AIOKafkaProducer(bootstrap_servers=servers, acks="all")
        await producer.start()
        try:
            chosen: Iterable[int | None] = repeat(None) if partitions is None else partitions
            for (sender, packet), partition in zip(packets, chosen, strict=False):
                await producer.send_and_wait(
                    settings.topic_inbound, packet, key=sender.encode(), partition=partition
                )
        finally:
            await producer.stop()

    asyncio.run(go())
