"""The harness's broker is a real Kafka-compatible broker: produce, consume in a group, admin."""

from __future__ import annotations

import asyncio
import time
import uuid

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from consumers.admin import ensure_topics, list_topics
from consumers.probe import roundtrip
from tests.services import assert_outlived_by_nothing


async def _produce_and_consume(bootstrap: str, topic: str) -> list[tuple[bytes, bytes]]:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        for n in range(20):
            sender = b"NL" if n % 2 else b"LU"
            await producer.send_and_wait(topic, f"file-{n}".encode(), key=sender)
    finally:
        await producer.stop()
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=f"test-{uuid.uuid4().hex}",  # unique: the test broker ignores LeaveGroup
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        session_timeout_ms=2000,
        heartbeat_interval_ms=500,
    )
    await consumer.start()
    received: list[tuple[bytes, bytes]] = []
    try:
        deadline = time.monotonic() + 20
        while len(received) < 20 and time.monotonic() < deadline:
            batches = await consumer.getmany(timeout_ms=500)
            for records in batches.values():
                received += [(r.key, r.value) for r in records]
            await consumer.commit()
    finally:
        await consumer.stop()
    return received


def test_keyed_records_keep_their_order_per_key(kafka_bootstrap: str) -> None:
    topic = f"t-{uuid.uuid4().hex[:8]}"
    asyncio.run(ensure_topics(kafka_bootstrap, [topic], partitions=3, replication_factor=1))
    received = asyncio.run(_produce_and_consume(kafka_bootstrap, topic))
    assert len(received) == 20
    for sender in (b"NL", b"LU"):
        numbers = [int(value.split(b"-")[1]) for key, value in received if key == sender]
        assert numbers == sorted(numbers) and len(numbers) == 10


def test_ensure_topics_creates_only_what_is_missing(kafka_bootstrap: str) -> None:
    names = [f"a-{uuid.uuid4().hex[:6]}", f"b-{uuid.uuid4().hex[:6]}"]
    assert asyncio.run(ensure_topics(kafka_bootstrap, names, 2, 1)) == names
    assert asyncio.run(ensure_topics(kafka_bootstrap, names, 2, 1)) == []
    assert set(names) <= asyncio.run(list_topics(kafka_bootstrap))


def test_probe_reads_back_its_record(kafka_bootstrap: str) -> None:
    topic = f"p-{uuid.uuid4().hex[:8]}"
    asyncio.run(ensure_topics(kafka_bootstrap, [topic], 1, 1))
    assert asyncio.run(roundtrip(kafka_bootstrap, topic)) < 10


def test_broker_dies_with_the_process_that_started_it() -> None:
    """A killed test run or demo must not leave a broker behind."""
    assert_outlived_by_nothing(
        "from consumers.embedded_broker import EmbeddedBroker\n"
        "import time\n"
        "b = EmbeddedBroker(); b.start(); print(b.port, flush=True); time.sleep(60)\n"
    )
