"""Putting an institution's file on the submissions topic (`exchange submit`), as its gateway would.

Keyed by the institution, so that one institution's files (a report, then its corrections) are read in
the order it sent them; a file above `inline_packet_max_bytes` goes as a claim check, as partners' large
packets do. Published confirmed (consumers.outbound): "submitted" means on a topic the broker lists.
"""

from __future__ import annotations

from consumers.admin import ensure_topics, submission_topics
from consumers.claim_check import deposit
from consumers.messages import CLAIM_CHECK_CONTENT_TYPE, CONTENT_TYPE_HEADER, FILENAME_HEADER
from consumers.outbound import Outgoing, product_producer, publish_confirmed
from exchange.settings import Settings

SUBMISSION_CONTENT_TYPE = "application/xml"


async def publish_submission(settings: Settings, document: bytes, institution: str, filename: str) -> bool:
    """Publish one submission; True when it went as a claim check."""
    await ensure_topics(
        settings.kafka_bootstrap_servers,
        submission_topics(settings),
        settings.topic_partitions,
        settings.topic_replication_factor,
    )
    claimed = len(document) > settings.inline_packet_max_bytes
    value = document
    content_type = SUBMISSION_CONTENT_TYPE
    if claimed:
        value = deposit(document, settings.effective_claim_check_dir, suffix=".xml").to_json()
        content_type = CLAIM_CHECK_CONTENT_TYPE
    record = Outgoing(
        settings.topic_submissions,
        value,
        institution.encode(),
        ((CONTENT_TYPE_HEADER, content_type.encode()), (FILENAME_HEADER, filename.encode())),
    )
    producer = product_producer(settings)
    await producer.start()
    try:
        await publish_confirmed(producer, settings.kafka_bootstrap_servers, [record])
    finally:
        await producer.stop()
    return claimed
