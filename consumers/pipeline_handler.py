"""The Kafka handler of `exchange run`: each inbound record through `exchange.pipeline`."""

from __future__ import annotations

from sqlalchemy import Engine

from consumers.faults import FaultInjector
from consumers.messages import Event, HandlingResult, InboundPacket, Reply
from exchange.pipeline import Pipeline
from exchange.settings import Settings


class PipelineHandler:
    """Adapts the pipeline's result to what the runner publishes; no decision is taken here."""

    def __init__(self, pipeline: Pipeline) -> None:
        self.pipeline = pipeline

    def __call__(self, packet: InboundPacket) -> HandlingResult:
        result = self.pipeline.process(packet.content)
        if result.dead_letter is not None:
            return HandlingResult(outcome="dead-letter", dead_letter=result.dead_letter)
        replies: tuple[Reply, ...] = ()
        if result.answer is not None and result.answer_to and result.answer_filename:
            replies = (Reply(result.answer_to, result.answer, result.answer_filename),)
        codes = tuple(f.code for f in result.outcome.findings) if result.outcome else ()
        events = tuple(Event(event.key, event.to_json()) for event in result.flag_events)
        return HandlingResult(
            outcome=result.disposition,
            replies=replies,
            codes=codes,
            events=events,
            after_publish=lambda: self.pipeline.mark_sent(result),
        )


def pipeline_handler(settings: Settings, engine: Engine, faults: FaultInjector) -> PipelineHandler:
    """The handler of `exchange run`; only an armed fault injector (crash tests) hooks into the store."""
    on_batch = faults.before_store_commit if faults.armed else None
    return PipelineHandler(Pipeline(settings, engine, on_batch=on_batch))
