"""Broker administration: wait until a broker answers, see which topics exist, create the missing ones."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError, TopicAlreadyExistsError, for_code

from exchange.errors import ConfigError, ServiceUnavailableError
from exchange.settings import Settings


class TopicCreationError(ConfigError):
    """The broker refused to create a topic (for example more replicas than brokers)."""


async def list_topics(bootstrap_servers: str, request_timeout_ms: int = 2000) -> set[str]:
    """The topics the broker lists in its metadata: the test of a topic's existence that every broker
    answers alike (a broker that auto-creates topics may still acknowledge writes to unlisted ones)."""
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


def run_topics(settings: Settings) -> list[str]:
    """`exchange run`'s: the product topics, and the institutions' answers topic, on which it tells an
    institution of a partner's record errors about its submission (exchange.outbound.notices)."""
    return [*product_topics(settings), settings.topic_submission_answers]


def submission_topics(settings: Settings) -> list[str]:
    """What `exchange submissions` and `exchange submit` need: each service creates only its own."""
    return [settings.topic_submissions, settings.topic_submission_answers, settings.topic_dlq]


def outbound_topics(settings: Settings) -> list[str]:
    """What `exchange outbound send` publishes to."""
    return [settings.topic_outbound]


async def ensure_topics(
    bootstrap_servers: str,
    names: Iterable[str],
    partitions: int,
    replication_factor: int,
    request_timeout_ms: int = 10_000,
) -> list[str]:
    """Create the topics that do not exist yet and return their names; existing topics stay as they are.
    Raises TopicCreationError when the broker refuses one."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers, request_timeout_ms=request_timeout_ms)
    try:
        await admin.start()
        existing = set(await admin.list_topics())
        missing = [name for name in dict.fromkeys(names) if name not in existing]
        if missing:
            response = await admin.create_topics(
                [NewTopic(name, partitions, replication_factor) for name in missing]
            )
            _raise_refusals(response.topic_errors)
        return missing
    finally:
        await admin.close()


def _raise_refusals(topic_errors: Iterable[tuple[object, ...]]) -> None:
    for name, code, *_ in topic_errors:
        error = for_code(int(str(code)))
        # Another `exchange run` may have created it in the meantime: that is the goal reached.
        if int(str(code)) != 0 and error is not TopicAlreadyExistsError:
            raise TopicCreationError(
                f"the broker refused to create topic {name} ({error.__name__}): check "
                "EXCHANGE_TOPIC_PARTITIONS and EXCHANGE_TOPIC_REPLICATION_FACTOR"
            )
