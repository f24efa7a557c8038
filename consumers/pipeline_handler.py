"""The Kafka handler of `exchange run`: each inbound record through `exchange.pipeline`."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Engine

from consumers.faults import FaultInjector
from consumers.messages import Event, EventPage, HandlingResult, InboundPacket, Reply
from exchange.anomalies import FlagEvent
from exchange.pipeline import Pipeline
from exchange.settings import Settings


class PipelineHandler:
    """Adapts the pipeline's result to what the runner publishes; no decision is taken here."""

    def __init__(self, pipeline: Pipeline) -> None:
        self.pipeline = pipeline
        self.settings = pipeline.settings

    def __call__(self, packet: InboundPacket) -> HandlingResult:
        result = self.pipeline.process(packet.content, sha256=packet.sha256)
        if result.dead_letter is not None:
            return HandlingResult(outcome="dead-letter", dead_letter=result.dead_letter)
        replies: tuple[Reply, ...] = ()
        if result.answer is not None and result.answer_to and result.answer_filename:
            replies = (Reply(result.answer_to, result.answer, result.answer_filename),)
        # A partner's record errors, each told to the institution whose submission they are about.
        replies += tuple(
            Reply(
                notice.institution,
                notice.content,
                notice.filename,
                topic=self.settings.topic_submission_answers,
            )
            for notice in result.notices
        )
        codes = tuple(f.code for f in result.outcome.findings) if result.outcome else ()
        return HandlingResult(
            outcome=result.disposition,
            replies=replies,
            codes=codes,
            events=_events(result.flag_events),
            after_publish=lambda: self.pipeline.mark_sent(result),
            more_events=self._more_events,
        )

    def _more_events(self) -> EventPage:
        pending = self.pipeline.pending_flag_events()
        return EventPage(_events(pending), lambda: self.pipeline.mark_events_sent(pending))


def _events(flag_events: Sequence[FlagEvent]) -> tuple[Event, ...]:
    return tuple(Event(event.key, event.to_json()) for event in flag_events)


def pipeline_handler(settings: Settings, engine: Engine, faults: FaultInjector) -> PipelineHandler:
    """The handler of `exchange run`; only an armed fault injector (crash tests) hooks into the store."""
    on_batch = faults.before_store_commit if faults.armed else None
    return PipelineHandler(Pipeline(settings, engine, on_batch=on_batch))
