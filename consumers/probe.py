"""A health probe: one record produced and read back, proving the broker stores and serves data."""

from __future__ import annotations

import time
import uuid

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition


async def roundtrip(bootstrap_servers: str, topic: str, timeout_s: float = 10.0) -> float:
    """Produce one record to `topic` and read it back by offset; returns the seconds it took."""
    payload = uuid.uuid4().bytes
    started = time.perf_counter()
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap_servers, acks="all")
    await producer.start()
    try:
        metadata = await producer.send_and_wait(topic, payload, key=b"probe")
    finally:
        await producer.stop()
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap_servers, enable_auto_commit=False)
    await consumer.start()
    try:
        partition = TopicPartition(topic, metadata.partition)
        consumer.assign([partition])
        consumer.seek(partition, metadata.offset)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            batches = await consumer.getmany(partition, timeout_ms=500)
            for record in batches.get(partition, []):
                if record.value == payload:
                    return time.perf_counter() - started
        raise TimeoutError(f"probe record not read back from {topic} within {timeout_s:.0f}s")
    finally:
        await consumer.stop()
