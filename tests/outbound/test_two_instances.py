"""End to end through the real broker with two instances, BE and NL, each its own store, keys and
topics: BE's institution submits, BE cuts and sends, a gateway carries BE's outbound packets to NL's
inbound topic and NL's answers back to BE's, NL's runner processes our files and BE's runner reads NL's
answers. BE's store on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from consumers.admin import ensure_topics, outbound_topics, product_topics, submission_topics
from consumers.outbound_files import SendReport, send, unsent
from consumers.pipeline_handler import PipelineHandler
from consumers.runner import ConsumerTuning, InboundRunner
from consumers.submission_handler import SubmissionHandler
from crypto import PacketRequest, Profile, create_packet
from crypto.provision import AuthorityFolders
from exchange import db
from exchange.outbound.cut import cut
from exchange.outbound.models import OutboundMessage
from exchange.outbound.queries import awaiting_correction, message
from exchange.pipeline import Pipeline
from exchange.settings import Settings
from exchange.status import OriginalMessage, build_status_message, to_bytes
from exchange.store.models import ReceivedFile
from exchange.submissions.process import Submissions
from exchange.validation.findings import Finding, file_error
from exchange.validation.rules.store_history import StoreHistory
from tests.kafka_helpers import produce, read_topic, wait_for
from tests.outbound.test_split_cut import _specs
from tests.submissions.conftest import CSM, bank, codes_of, read_answer, report, submission

FAST = ConsumerTuning(session_timeout_ms=2000, heartbeat_interval_ms=300, max_poll_interval_ms=10000)
AR = "BE2025-0403019261-AR"
_TOPICS = ("inbound", "status", "dlq", "flags", "submissions", "submission_answers", "outbound")


def _instance(settings: Settings, servers: str, name: str) -> Settings:
    run = f"{name}-{uuid.uuid4().hex[:8]}"
    return settings.model_copy(
        update={
            "kafka_bootstrap_servers": servers,
            "kafka_consumer_group": f"{run}-run",
            "submissions_consumer_group": f"{run}-subs",
            "topic_partitions": 1,
            **{f"topic_{topic}": f"{run}-{topic}" for topic in _TOPICS},
        }
    )


class World:
    """BE and NL on one broker, and the gateway between them."""

    def __init__(self, be: Settings, be_engine: Engine, nl: Settings, nl_engine: Engine) -> None:
        self.be, self.be_engine, self.nl, self.nl_engine = be, be_engine, nl, nl_engine
        self.carried: dict[str, int] = {}

    async def start(self) -> None:
        for settings in (self.be, self.nl):
            topics = product_topics(settings) + submission_topics(settings) + outbound_topics(settings)
            await ensure_topics(settings.kafka_bootstrap_servers, topics, 1, 1)

    async def consume(self, runner: InboundRunner, files: int) -> None:
        task = asyncio.create_task(runner.run())
        await wait_for(lambda: runner.files_done >= files or task.done(), 60)
        runner.request_stop()
        await task

    async def carry(self, source: str, target: str, addressee: str, sender: str) -> int:
        """The transmission gateway: what `source` holds for `addressee` and was not carried yet goes
        to the addressee's inbound topic, keyed by the sender (as partners publish)."""
        servers = self.be.kafka_bootstrap_servers
        records = await read_topic(servers, source, 1000, timeout_s=3)
        fresh = records[self.carried.get(source, 0) :]
        self.carried[source] = len(records)
        mine = [record for record in fresh if record.key.decode() == addressee]
        for record in mine:
            await produce(servers, target, record.value, sender.encode())
        return len(mine)

    async def submit_and_send(self, document: bytes, done: int) -> int:
        """An institution's file through BE's submissions runner, then cut and sent; returns how many
        packets went to NL."""
        await produce(self.be.kafka_bootstrap_servers, self.be.topic_submissions, document, b"0403019261")
        handler = SubmissionHandler(self.be, Submissions(self.be, self.be_engine))
        runner = InboundRunner(
            self.be,
            handler,
            group_id=self.be.submissions_consumer_group,
            tuning=FAST,
            topic=self.be.topic_submissions,
            topics=submission_topics(self.be),
        )
        await self.consume(runner, 1)
        cut(self.be_engine, self.be, 2025)
        await send(self.be, self.be_engine, unsent(self.be_engine), SendReport())
        return await self.carry(self.be.topic_outbound, self.nl.topic_inbound, "NL", "BE")

    async def nl_reads(self, files: int) -> None:
        handler = PipelineHandler(Pipeline(self.nl, self.nl_engine))
        await self.consume(InboundRunner(self.nl, handler, tuning=FAST), files)
        await self.carry(self.nl.topic_status, self.be.topic_inbound, "BE", "NL")

    async def be_reads_answers(self, files: int) -> None:
        handler = PipelineHandler(Pipeline(self.be, self.be_engine))
        await self.consume(InboundRunner(self.be, handler, tuning=FAST), files)


@pytest.fixture
def world(
    be_settings: Settings,
    db_engine: Engine,
    benelux: dict[str, AuthorityFolders],
    kafka_bootstrap: str,
    tmp_path: Path,
) -> World:
    nl_folders = benelux["NL"]
    nl = Settings(
        home_jurisdiction="NL",
        data_dir=tmp_path / "nl",
        keys_dir=nl_folders.keys_dir,
        partners_dir=nl_folders.partners_dir,
    )
    nl_engine = db.create_db_engine(nl.effective_database_url)
    db.upgrade(nl_engine)
    found = World(
        _instance(be_settings, kafka_bootstrap, "be"),
        db_engine,
        _instance(nl, kafka_bootstrap, "nl"),
        nl_engine,
    )
    asyncio.run(found.start())
    return found


def _answer(authority: AuthorityFolders, original: str, findings: list[Finding], tmp: Path) -> bytes:
    """A partner's status message about our message, sealed for us (for what NL's own rules do not
    find in good data: a record error, a rejection)."""
    code = authority.jurisdiction
    status = build_status_message(OriginalMessage(original, "BE"), findings, home=code)
    created = create_packet(
        to_bytes(status),
        PacketRequest(Profile.CTS, code, "BE", "CRSStatus", tax_year=2025),
        signer=authority.keyring().signing_pair(code),
        receiver_certificate=authority.trust().encryption_certificate("BE"),
        directory=tmp,
    )
    return created.path.read_bytes()


def _outbound(world: World, partner: str) -> list[dict[str, object]]:
    from exchange.outbound.queries import messages

    return list(reversed(messages(world.be_engine, partner)))


def _document(world: World, message_id: object) -> bytes:
    with world.be_engine.connect() as connection:
        return bytes(
            connection.execute(
                select(OutboundMessage.document).where(OutboundMessage.id == message_id)
            ).scalar_one()
        )


def _submission_id(world: World, message_ref_id: str) -> int:
    with world.be_engine.connect() as connection:
        return int(
            connection.execute(
                select(ReceivedFile.id).where(ReceivedFile.message_ref_id == message_ref_id)
            ).scalar_one()
        )


def test_two_authorities_exchange_reports_corrections_and_answers(
    world: World, benelux: dict[str, AuthorityFolders], tmp_path: Path
) -> None:
    first = submission(
        report(f"{AR}1", "NL"), report(f"{AR}2", "LU"), report(f"{AR}3", "BE"), report(f"{AR}4", "NL")
    )
    correction = submission(
        report(f"{AR}1b", "NL", indic="OECD2", corr=f"{AR}1"),
        report(f"{AR}4b", "NL", indic="OECD3", corr=f"{AR}4"),
        message_ref_id="BE2025BE-0403019261-2",
        indic="CRS702",
        fi=bank(doc_ref_id="BE2025-0403019261-FI2"),
    )

    async def first_round() -> None:
        assert await world.submit_and_send(first, 1) == 1  # NL's file; LU's waits at the gateway
        await world.nl_reads(1)
        await world.be_reads_answers(1)

    asyncio.run(first_round())
    # Three residences: two files (NL with two reports, LU with one) and one report that stayed home.
    files = {m["partner"]: m for m in _outbound(world, "NL") + _outbound(world, "LU")}
    assert (files["NL"]["records"], files["LU"]["records"]) == (2, 1)
    shown = message(world.be_engine, str(files["NL"]["id"]))
    assert shown is not None and [a["status"] for a in shown["answers"]] == ["Accepted"]
    nl_ids = [doc_ref_id for _, doc_ref_id, _ in _specs(_document(world, files["NL"]["id"]))]

    async def correction_round() -> None:
        assert await world.submit_and_send(correction, 1) == 1
        await world.nl_reads(1)
        await world.be_reads_answers(1)

    asyncio.run(correction_round())
    [_, corrections] = _outbound(world, "NL")
    assert corrections["message_type_indic"] == "CRS702"
    specs = _specs(_document(world, corrections["id"]))
    assert [(indic, corr) for indic, _, corr in specs] == [("OECD2", nl_ids[0]), ("OECD3", nl_ids[1])]
    shown = message(world.be_engine, str(corrections["id"]))
    assert shown is not None and [a["status"] for a in shown["answers"]] == ["Accepted"]  # NL's chain agrees
    held = StoreHistory(world.nl_engine).doc_ref_states("BE", nl_ids)
    assert [held[doc_ref_id].state.value for doc_ref_id in nl_ids] == ["superseded", "deleted"]

    in_error = Finding(code=60002, level="record", message="checked", doc_ref_ids=(specs[0][1],))
    lu_file = str(files["LU"]["message_ref_id"])

    async def answers_round() -> None:
        servers = world.be.kafka_bootstrap_servers
        nl_says = _answer(benelux["NL"], str(corrections["message_ref_id"]), [in_error], tmp_path / "nl")
        lu_says = _answer(benelux["LU"], lu_file, [file_error(50003, "cannot decrypt")], tmp_path / "lu")
        await produce(servers, world.be.topic_inbound, nl_says, b"NL")
        await produce(servers, world.be.topic_inbound, lu_says, b"LU")
        await world.be_reads_answers(2)

    asyncio.run(answers_round())
    # NL's record error comes back to the correction's submission, LU's rejection to LU's file.
    [waiting] = awaiting_correction(world.be_engine)
    assert (waiting["partner"], waiting["file_id"]) == ("NL", _submission_id(world, "BE2025BE-0403019261-2"))
    # The institution is told on its answers topic, keyed by it: its correction's file, its own DocRefId.
    answers = asyncio.run(read_topic(world.be.kafka_bootstrap_servers, world.be.topic_submission_answers, 3))
    [notice] = [read_answer(record.value, benelux["BE"]) for record in answers[2:]]
    assert answers[2].key == b"0403019261" and codes_of(notice, "RecordError") == [60002]
    assert notice.findtext(f".//{{{CSM}}}OriginalMessageRefID") == "BE2025BE-0403019261-2"
    assert [e.text for e in notice.iterfind(f".//{{{CSM}}}DocRefIDInError")] == [f"{AR}1b"]

    async def institution_corrects() -> None:
        again = submission(
            report(f"{AR}1c", "NL", indic="OECD2", corr=f"{AR}1b"),
            message_ref_id="BE2025BE-0403019261-3",
            indic="CRS702",
            fi=bank(doc_ref_id="BE2025-0403019261-FI3"),
        )
        assert await world.submit_and_send(again, 1) == 1

    asyncio.run(institution_corrects())
    assert awaiting_correction(world.be_engine) == []  # sent on to NL: the wait is over
    [*_, fixed] = _outbound(world, "NL")
    assert [(indic, corr) for indic, _, corr in _specs(_document(world, fixed["id"]))] == [
        ("OECD2", specs[0][1])
    ]
    shown = message(world.be_engine, lu_file)
    assert shown is not None and [(a["status"], a["file_errors"]) for a in shown["answers"]] == [
        ("Rejected", [50003])
    ]
