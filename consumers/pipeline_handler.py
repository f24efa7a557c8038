"""The Kafka handler of `exchange run`: each inbound record through `exchange.pipeline`."""

from __future__ import annotations

from consumers.messages import HandlingResult, InboundPacket, Reply
from exchange.pipeline import Pipeline


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
        return HandlingResult(
            outcome=result.disposition,
            replies=replies,
            codes=codes,
            after_publish=lambda: self.pipeline.mark_answered(result),
        )
