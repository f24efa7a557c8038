"""The Kafka handler of `exchange submissions`: each submitted file through `exchange.submissions`.

The runner is `exchange run`'s (consumers.runner): the same at-least-once delivery, offsets committed
only once the answer is confirmed on the answers topic, a database outage retried, never skipped.
"""

from __future__ import annotations

from consumers.messages import HandlingResult, InboundPacket, Reply
from exchange.settings import Settings
from exchange.submissions.process import SubmissionResult, Submissions


class SubmissionHandler:
    """Adapts a submission's result to what the runner publishes; no decision is taken here."""

    def __init__(self, settings: Settings, submissions: Submissions) -> None:
        self.settings = settings
        self.submissions = submissions

    def __call__(self, packet: InboundPacket) -> HandlingResult:
        result = self.submissions.process(packet.content, packet.key)
        if result.dead_letter is not None or result.outcome is None:
            return HandlingResult(outcome="dead-letter", dead_letter=result.dead_letter or "not processed")
        replies: tuple[Reply, ...] = ()
        if result.answer is not None:
            replies = (
                Reply(
                    result.institution,
                    result.answer,
                    answer_filename(result),
                    topic=self.settings.topic_submission_answers,
                ),
            )
        return HandlingResult(
            outcome=result.disposition,
            replies=replies,
            codes=tuple(finding.code for finding in result.outcome.findings),
            after_publish=lambda: self.submissions.mark_answered(result),
        )


def answer_filename(result: SubmissionResult) -> str:
    """The answer's name: its own MessageRefId, the same for every redelivery (it is stored)."""
    status = result.outcome.status_message if result.outcome else None
    return f"{status.message_ref_id if status else result.sha256}.xml"


def submission_handler(settings: Settings, submissions: Submissions) -> SubmissionHandler:
    return SubmissionHandler(settings, submissions)
