"""Broker administration: wait until a broker answers, create the product's topics if missing."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Iterable

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError, TopicAlreadyExistsError

from exchange.errors import ServiceUnavailableError
from exchange.settings import Settings


async def list_topics(bootstrap_servers: str, request_timeout_ms: int = 2000) -> set[str]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers, request_timeout_ms=request_timeout_ms)
    try:
        await admin.start()
        return set(await admin.list_topics())
    finally:
        await admin.close()


def wait_until_ready(
    bootstrap_servers: str, timeout: float, alive: Callable[[], bool] = lambda: True
) -> None:
    """Block until a Kafka admin client can list topics, the deadline passes, or `alive` turns false."""
    deadline = time.monotonic() + timeout
    last_error = "no answer"
    while time.monotonic() < deadline:
        if not alive():
            raise ServiceUnavailableError(f"broker process at {bootstrap_servers} exited")
        try:
            asyncio.run(list_topics(bootstrap_servers, request_timeout_ms=1000))
            return
        except (KafkaError, OSError) as exc:
            last_error = type(exc).__name__
        time.sleep(0.05)
    raise ServiceUnavailableError(
        f"broker at {bootstrap_servers} not ready after {timeout:.0f}s ({last_error})"
    )


def product_topics(settings: Settings) -> list[str]:
    return [settings.topic_inbound, settings.topic_status, settings.topic_dlq, settings.topic_flags]


async def ensure_topics(
    bootstrap_servers: str, names: Iterable[str], partitions: int, replication_factor: int
) -> list[str]:
    """Create the topics that do not exist yet and return their names; existing topics stay as they are."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers)
    try:
        await admin.start()
        existing = set(await admin.list_topics())
        missing = [name for name in dict.fromkeys(names) if name not in existing]
        if missing:
            # Another `exchange run` may create one in the meantime: that is the goal reached.
            with contextlib.suppress(TopicAlreadyExistsError):
                await admin.create_topics(
                    [NewTopic(name, partitions, replication_factor) for name in missing]
                )
        return missing
    finally:
        await admin.close()
