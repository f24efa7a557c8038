"""Publishing stored answers and flag events again (`exchange answers resend`).

For after a broker lost records it had acknowledged (an in-memory broker restarted, a topic deleted):
the topics are recreated if missing, then each batch is published, confirmed on its topics
(consumers.outbound), and only then recorded as sent. The bytes are the stored ones, so a receiver that
had them already sees the same record twice, never a different one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from aiokafka import AIOKafkaProducer
from sqlalchemy import Engine

from consumers.admin import ensure_topics, product_topics
from consumers.messages import Event, Reply
from consumers.outbound import event_record, product_producer, publish_confirmed, reply_record
from exchange.anomalies.events import FlagEvent, mark_published, pending_events
from exchange.settings import Settings
from exchange.store.answers import AnswerSelection, mark_answers_sent, published_events, stored_answers

EVENT_PAGE = 1000


@dataclass
class ResendReport:
    files: list[int] = field(default_factory=list)  # whose answers went out again
    events: int = 0
    topics_created: list[str] = field(default_factory=list)

    @property
    def answers(self) -> int:
        return len(self.files)


async def resend(
    settings: Settings, engine: Engine, selection: AnswerSelection, report: ResendReport
) -> None:
    """Publish the selected answers, every pending flag event and, for a time window, the events
    published within it; `report` counts what the broker confirmed, also when a later batch fails."""
    servers = settings.kafka_bootstrap_servers
    report.topics_created = await ensure_topics(
        servers, product_topics(settings), settings.topic_partitions, settings.topic_replication_factor
    )
    producer = product_producer(settings)
    await producer.start()
    try:
        for batch in stored_answers(engine, selection):
            replies = [Reply(answer.recipient, answer.content, answer.filename) for answer in batch]
            await publish_confirmed(producer, servers, [reply_record(settings, reply) for reply in replies])
            ids = [answer.file_id for answer in batch]
            mark_answers_sent(engine, ids)
            report.files += ids
        while events := pending_events(engine, EVENT_PAGE):
            await _publish_events(settings, producer, events)
            mark_published(engine, [event.event_id for event in events])
            report.events += len(events)
        if selection.windowed:
            for page in published_events(engine, selection.since, selection.until, EVENT_PAGE):
                await _publish_events(settings, producer, page)
                report.events += len(page)
    finally:
        await producer.stop()


async def _publish_events(settings: Settings, producer: AIOKafkaProducer, events: list[FlagEvent]) -> None:
    records = [event_record(settings, Event(event.key, event.to_json())) for event in events]
    await publish_confirmed(producer, settings.kafka_bootstrap_servers, records)
