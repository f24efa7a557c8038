"""End to end through the real broker: NL and LU publish packets, BE's runner answers every one."""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from aiokafka import ConsumerRecord

from consumers.admin import ensure_topics
from consumers.messages import FILENAME_HEADER, REASON_HEADER
from consumers.pipeline_handler import PipelineHandler
from consumers.runner import ConsumerTuning, InboundRunner
from crypto.provision import AuthorityFolders
from exchange.anomalies.models import FlagEventRow
from exchange.db import create_db_engine, upgrade
from exchange.pipeline import Pipeline
from exchange.records import PartyKind
from exchange.registry.data import TaxpayerData
from exchange.registry.upsert import upsert_taxpayers
from exchange.settings import Settings
from exchange.store import FileState
from exchange.store.queries import files
from tests.kafka_helpers import produce, read_topic, wait_for
from tests.pipeline.conftest import builders, codes_of, crs_file, on_own_topics, open_answer, seal, status_of

FAST = ConsumerTuning(session_timeout_ms=2000, heartbeat_interval_ms=300, max_poll_interval_ms=10000)


def test_partners_get_an_answer_for_every_file(
    be_settings: Settings, benelux: dict[str, AuthorityFolders], kafka_bootstrap: str, tmp_path: Path
) -> None:
    settings = on_own_topics(be_settings, kafka_bootstrap, 3)
    negative = replace(builders.account_report(doc_ref_id="NL2025BE-NEG"), balance=Decimal("-1.00"))
    nl_header = builders.header(transmitting="NL", message_ref_id="NL2025BE0002")
    nl_fi = builders.reporting_fi("NL2025BE-FI1", countries=("NL",))
    sent = {
        "LU valid": (
            "LU",
            crs_file(
                "LU",
                *(builders.account_report(doc_ref_id=f"LU2025BE-AR{number}") for number in range(1, 5)),
                message_ref_id="LU2025BE0001",
            ),
        ),
        "NL record error": ("NL", crs_file("NL", negative, header=nl_header, fi=nl_fi)),
        "LU rejected": (
            "LU",
            crs_file("LU", message_ref_id="LU2025BE0003").replace(b">CRS701<", b">CRS799<"),
        ),
    }
    packets = {name: (s, seal(doc, benelux[s], benelux["BE"], tmp_path)) for name, (s, doc) in sent.items()}
    engine = create_db_engine(settings.effective_database_url)
    upgrade(engine)
    with engine.begin() as connection:  # a registry that knows none of the holders
        upsert_taxpayers(connection, [TaxpayerData("85073003328", PartyKind.INDIVIDUAL, family_name="X")])
    # One flag event per page: the events beyond a packet's first page must be published all the same.
    handler = PipelineHandler(Pipeline(settings, engine, event_page=1))
    runner = InboundRunner(settings, handler, group_id=settings.kafka_consumer_group, tuning=FAST)

    flags: list[ConsumerRecord[Any, Any]] = []

    async def scenario() -> tuple[list[ConsumerRecord[Any, Any]], list[ConsumerRecord[Any, Any]]]:
        topics = [settings.topic_inbound, settings.topic_status, settings.topic_dlq, settings.topic_flags]
        await ensure_topics(kafka_bootstrap, topics, 3, 1)
        for sender, packet in packets.values():
            await produce(kafka_bootstrap, settings.topic_inbound, packet, sender.encode())
        await produce(kafka_bootstrap, settings.topic_inbound, b"not a packet at all", b"NL")
        task = asyncio.create_task(runner.run())
        await wait_for(lambda: runner.files_done == 4 or task.done(), 60)
        runner.request_stop()
        await task
        answers = await read_topic(kafka_bootstrap, settings.topic_status, 3)
        dead = await read_topic(kafka_bootstrap, settings.topic_dlq, 1)
        flags.extend(await read_topic(kafka_bootstrap, settings.topic_flags, 100, timeout_s=3))
        return answers, dead

    answers, dead = asyncio.run(scenario())
    seen = {}
    for record in answers:
        recipient = record.key.decode()
        message = open_answer(record.value, benelux[recipient])
        assert dict(record.headers)[FILENAME_HEADER].startswith(b"BE_CRSStatus_")
        original = message.findtext(".//{urn:oecd:ties:csm:v2}OriginalMessageRefID")
        seen[original] = (recipient, status_of(message), codes_of(message, "FileError"),
                          codes_of(message, "RecordError"))  # fmt: skip
    assert seen == {
        "LU2025BE0001": ("LU", "Accepted", [], []),
        "NL2025BE0002": ("NL", "Accepted", [], [60002]),
        "LU2025BE0003": ("LU", "Rejected", [50007], []),
    }
    (letter,) = dead
    assert letter.value == b"not a packet at all"
    assert dict(letter.headers)[REASON_HEADER]
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    with Session(engine) as session:
        states = sorted(f.state for f in files(session))
        outbox = session.scalars(select(FlagEventRow)).all()
    assert states == sorted([FileState.ANSWERED, FileState.ANSWERED, FileState.REJECTED])
    # The holders are not in BE's registry: flags were raised, published, and marked so.
    published = [json.loads(record.value) for record in flags]
    assert len(published) > 3 and {event["event"] for event in published} == {"raised"}
    assert sorted(event["event_id"] for event in published) == sorted(row.id for row in outbox)
    assert all(row.published_at is not None for row in outbox)
    engine.dispose()
