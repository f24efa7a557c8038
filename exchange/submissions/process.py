"""One domestic submission from bytes to a stored outcome and the institution's signed answer.

The same chain as a partner's file minus the packet: the document is validated with the same schema and
rules (the domestic ones apply because the file is domestic, TransmittingCountry = ReceivingCountry =
home), stored in the same store history under the institution (SendingCompanyIN), whose DocRefIds form
its correction chains, and marked `submitted`. The same bytes again give the same outcome and the same
answer, so a redelivery is harmless.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace

from sqlalchemy import Engine, select, update
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from crypto.keyring import Keyring
from exchange.errors import ServiceUnavailableError
from exchange.logs import get_logger
from exchange.outbound.split import SplitSummary, split_submission
from exchange.pipeline.document import DocumentPass, PlainChunks
from exchange.pipeline.process import PacketSource, PacketTooLargeError, packet_digest
from exchange.records import StreamItem
from exchange.settings import Settings
from exchange.states import Direction
from exchange.store import FileOutcome, PacketInfo, store_file
from exchange.store.files import file_outcome, mark_answered, register_file
from exchange.store.models import ReceivedFile
from exchange.submissions.answer import SubmissionAnswer
from exchange.submissions.rules import SUBMISSION_FROM_HOME
from exchange.validation.findings import Finding, file_error
from exchange.validation.rules.store_history import StoreHistory
from exchange.validation.source import iter_chunks

log = get_logger(__name__)

DOMESTIC_PROFILE = "DOMESTIC"  # a submission arrives without a CTS or IDES packet around it
UNIDENTIFIED = "unidentified"  # the institution of a file that names none (answered under its key if any)


@dataclass(frozen=True)
class SubmissionResult:
    """What became of a submission: its outcome and the answer for its institution, or a dead letter."""

    sha256: str
    institution: str
    outcome: FileOutcome | None = None
    answer: bytes | None = None
    dead_letter: str | None = None
    split: SplitSummary | None = None  # what went abroad (accepted submissions)

    @property
    def disposition(self) -> str:
        if self.outcome is None:
            return "dead-letter"
        return self.outcome.outcome.value


class Submissions:
    """The chain for one store. The signing key is read per submission, as the pipeline reads its keys."""

    def __init__(self, settings: Settings, engine: Engine) -> None:
        self.settings = settings
        self.engine = engine

    def process(self, source: PacketSource, institution: str | None = None) -> SubmissionResult:
        """`institution` is who the transport says sent it (the record's key); the file's own
        SendingCompanyIN decides, and the key only names a file that states none."""
        try:
            sha256, size = packet_digest(source, self.settings.max_packet_bytes)
        except PacketTooLargeError as exc:
            return SubmissionResult("", institution or UNIDENTIFIED, dead_letter=str(exc))
        try:
            result = self._replay(sha256) or self._process_new(source, sha256, size, institution)
            if result.outcome is not None and result.outcome.accepted:
                # Also on a redelivery: a crash between storing and splitting left the split undone.
                in_error = {
                    doc_ref_id
                    for finding in result.outcome.findings
                    if finding.level == "record"
                    for doc_ref_id in finding.doc_ref_ids
                }
                split = split_submission(
                    self.engine, self.settings, result.outcome.file_id, result.institution, source, in_error
                )
                result = replace(result, split=split)
        except DBAPIError as exc:
            if isinstance(exc, OperationalError | InterfaceError) or exc.connection_invalidated:
                raise ServiceUnavailableError(
                    f"the database is unreachable ({type(exc.orig).__name__})"
                ) from None
            raise
        log.info(
            "submission processed",
            sha256=sha256,
            institution=result.institution,
            disposition=result.disposition,
            file_id=result.outcome.file_id if result.outcome else None,
            replayed=result.outcome.replayed if result.outcome else False,
        )
        return result

    def mark_answered(self, result: SubmissionResult) -> None:
        """The answer is on the answers topic: the submission's path is complete."""
        if result.outcome is not None and result.answer is not None:
            mark_answered(self.engine, result.sha256)

    def _replay(self, sha256: str) -> SubmissionResult | None:
        outcome = file_outcome(self.engine, sha256)
        if outcome is None or outcome.status_message is None:
            return None
        with self.engine.connect() as connection:
            institution = connection.execute(
                select(ReceivedFile.sender).where(ReceivedFile.packet_sha256 == sha256)
            ).scalar_one()
        return SubmissionResult(
            sha256, institution, replace(outcome, replayed=True), outcome.status_message.content
        )

    def _process_new(
        self, source: PacketSource, sha256: str, size: int, claimed: str | None
    ) -> SubmissionResult:
        keyring = Keyring.from_settings(self.settings)
        document = DocumentPass(PlainChunks(iter_chunks(source)), self.settings, history=None)
        document.start()
        header = document.header
        named = (header.sending_company_in or "").strip() if header else ""
        institution = named or (claimed or "").strip() or UNIDENTIFIED
        # The history is the institution's own: its DocRefIds and MessageRefIds, its correction chains.
        document.sender = named or None
        communication_type = document.spec.name.upper() if document.spec else "CRS"
        packet = PacketInfo(
            sha256=sha256,
            profile=DOMESTIC_PROFILE,
            sender=institution,
            receiver=self.settings.home_jurisdiction,
            communication_type=communication_type,
            size=size,
            sender_file_id=claimed,
        )
        file_id = register_file(self.engine, packet)
        self._mark_submitted(sha256)
        document.history = StoreHistory(self.engine, file_id)
        items = document.items()
        if header is not None and not self._from_home(header.transmitting_country, header.receiving_country):
            items = _refused(
                items, self._not_from_home(header.transmitting_country, header.receiving_country)
            )
        outcome = store_file(
            self.engine,
            packet,
            header,
            items,
            status=SubmissionAnswer(self.settings, keyring, claimed or institution),
        )
        answer = outcome.status_message.content if outcome.status_message else None
        return SubmissionResult(sha256, institution, outcome, answer)

    def _from_home(self, transmitting: str, receiving: str) -> bool:
        home = self.settings.home_jurisdiction
        return transmitting == home and receiving == home

    def _not_from_home(self, transmitting: str, receiving: str) -> Finding:
        home = self.settings.home_jurisdiction
        return file_error(
            SUBMISSION_FROM_HOME.code,
            f"a domestic submission goes from {home} to {home}; this file goes from {transmitting} "
            f"to {receiving}",
        )

    def _mark_submitted(self, sha256: str) -> None:
        with self.engine.begin() as connection:
            connection.execute(
                update(ReceivedFile)
                .where(ReceivedFile.packet_sha256 == sha256)
                .values(direction=Direction.SUBMITTED.value)
            )


def _refused(items: Iterator[StreamItem], finding: Finding) -> Iterator[StreamItem]:
    """The file's own stream, with the file error that rejects it first."""
    yield finding
    yield from items
