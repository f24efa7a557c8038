"""Publishing packets the way partner authorities do: inline, or as a claim check when they are large."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from aiokafka import AIOKafkaProducer

from consumers.claim_check import deposit
from consumers.messages import (
    CLAIM_CHECK_CONTENT_TYPE,
    CONTENT_TYPE_HEADER,
    FILENAME_HEADER,
    PACKET_CONTENT_TYPE,
)
from exchange.settings import Settings


async def publish_packets(settings: Settings, packets: Iterable[tuple[str, Path]]) -> int:
    """Publish each (sending jurisdiction, packet file) to the inbound topic, keyed by the sender so
    that one sender's files stay in order; returns how many went out as claim checks."""
    producer = AIOKafkaProducer(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        acks="all",
        max_request_size=max(settings.inline_packet_max_bytes * 2, 1024 * 1024),
    )
    claimed = 0
    await producer.start()
    try:
        for sender, path in packets:
            data = path.read_bytes()
            headers = [(FILENAME_HEADER, path.name.encode())]
            if len(data) > settings.inline_packet_max_bytes:
                check = deposit(data, settings.effective_claim_check_dir)
                data = check.to_json()
                headers.append((CONTENT_TYPE_HEADER, CLAIM_CHECK_CONTENT_TYPE.encode()))
                claimed += 1
            else:
                headers.append((CONTENT_TYPE_HEADER, PACKET_CONTENT_TYPE.encode()))
            await producer.send_and_wait(settings.topic_inbound, data, key=sender.encode(), headers=headers)
    finally:
        await producer.stop()
    return claimed
