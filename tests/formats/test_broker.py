"""DPI and CbC end to end through the real broker: NL publishes DPI packets and LU a CbC packet, BE's
runner answers each with its format's status message, and the reports are in the store (SQLite and
PostgreSQL)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from lxml import etree
from sqlalchemy import text

from consumers.admin import ensure_topics
from consumers.messages import FILENAME_HEADER
from consumers.pipeline_handler import PipelineHandler
from consumers.runner import ConsumerTuning, InboundRunner
from crypto import PacketRequest, Profile, ReceivingContext, create_packet, open_packet
from crypto.provision import AuthorityFolders
from exchange.db import create_db_engine, upgrade
from exchange.pipeline import Pipeline
from exchange.settings import Settings
from tests.formats.cbc_documents import cbc_document
from tests.formats.dpi_documents import dpi_document, header
from tests.kafka_helpers import produce, read_topic, wait_for
from tests.pipeline.conftest import be_settings, on_own_topics  # noqa: F401

FAST = ConsumerTuning(session_timeout_ms=2000, heartbeat_interval_ms=300, max_poll_interval_ms=10000)


def _packet(
    document: bytes, sender: AuthorityFolders, tmp_path: Path, communication_type: str = "DPI"
) -> bytes:
    created = create_packet(
        document,
        PacketRequest(Profile.CTS, sender.jurisdiction, "BE", communication_type, tax_year=2025),
        signer=sender.keyring().signing_pair(sender.jurisdiction),
        receiver_certificate=sender.trust().encryption_certificate("BE"),
        directory=tmp_path / communication_type,
    )
    return created.path.read_bytes()


def test_dpi_and_cbc_packets_through_the_broker_are_answered_and_stored(
    be_settings: Settings,  # noqa: F811
    benelux: dict[str, AuthorityFolders],
    kafka_bootstrap: str,
    tmp_path: Path,
) -> None:
    settings = on_own_topics(be_settings, kafka_bootstrap, 2)
    good = _packet(dpi_document(), benelux["NL"], tmp_path)
    broken = dpi_document(head=header("NL2025BE-DPI-0002")).replace(b">DPI401<", b">DPI499<")
    bad = _packet(broken, benelux["NL"], tmp_path)
    group = _packet(cbc_document(), benelux["LU"], tmp_path, "CBC")
    engine = create_db_engine(settings.effective_database_url)
    upgrade(engine)
    runner = InboundRunner(
        settings,
        PipelineHandler(Pipeline(settings, engine)),
        group_id=settings.kafka_consumer_group,
        tuning=FAST,
    )

    async def scenario() -> list[object]:
        topics = [settings.topic_inbound, settings.topic_status, settings.topic_dlq, settings.topic_flags]
        await ensure_topics(kafka_bootstrap, topics, 2, 1)
        for packet in (good, bad):
            await produce(kafka_bootstrap, settings.topic_inbound, packet, b"NL")
        await produce(kafka_bootstrap, settings.topic_inbound, group, b"LU")
        task = asyncio.create_task(runner.run())
        await wait_for(lambda: runner.files_done == 3 or task.done(), 60)
        runner.request_stop()
        await task
        return list(await read_topic(kafka_bootstrap, settings.topic_status, 3))

    answers = asyncio.run(scenario())
    verdicts = {}
    for record in answers:
        recipient = benelux[record.key.decode()]  # type: ignore[attr-defined]
        context = ReceivingContext(keyring=recipient.keyring(), trust=recipient.trust())
        with open_packet(record.value, context) as opened:  # type: ignore[attr-defined]
            message = etree.fromstring(opened.stream.read())
            opened.verdict()
        namespace = etree.QName(message).namespace
        kind = dict(record.headers)[FILENAME_HEADER].split(b"_")[1]  # type: ignore[attr-defined]
        original = message.findtext(f".//{{{namespace}}}OriginalMessageRefID")
        verdicts[original] = (
            kind,
            etree.QName(message).localname,
            message.findtext(f".//{{{namespace}}}Status"),
        )
    assert verdicts == {
        "NL2025BE-DPI-0001": (b"DPIStatus", "DPIStatusMessage_OECD", "Accepted"),
        "NL2025BE-DPI-0002": (b"DPIStatus", "DPIStatusMessage_OECD", "Rejected"),
        "LU2025BE-CBC-0001": (b"CBCStatus", "CbCStatusMessage_OECD", "Accepted"),
    }
    with engine.connect() as connection:
        sellers = connection.execute(text("SELECT count(*) FROM dpi_sellers")).scalar_one()
        quarters = connection.execute(text("SELECT count(*) FROM dpi_seller_activities")).scalar_one()
        jurisdictions = connection.execute(
            text("SELECT count(*) FROM cbc_jurisdiction_summaries")
        ).scalar_one()
    engine.dispose()
    assert (sellers, quarters, jurisdictions) == (2, 12, 2)
