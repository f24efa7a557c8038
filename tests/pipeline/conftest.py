"""The Benelux for the pipeline tests: BE receives, NL and LU send, all with real keys and packets."""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from crypto import PacketRequest, Profile, ReceivingContext, create_packet, open_packet
from crypto.provision import AuthorityFolders, provision_authorities
from exchange.formats import csm_v2
from exchange.formats.schemas import load_schema
from exchange.records import AccountReport, MessageHeader, ReportingFI
from exchange.settings import Settings
from exchange.writers.crs import crs_bytes
from tests.rules import builders

CSM = "urn:oecd:ties:csm:v2"


@pytest.fixture(scope="session")
def benelux() -> Iterator[dict[str, AuthorityFolders]]:
    with tempfile.TemporaryDirectory(prefix="benelux-") as root:
        yield provision_authorities(Path(root), ["BE", "NL", "LU"])


@pytest.fixture
def be_settings(benelux: dict[str, AuthorityFolders], db_url: str, tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path / "be",
        database_url=db_url,
        keys_dir=benelux["BE"].keys_dir,
        partners_dir=benelux["BE"].partners_dir,
    )


def on_own_topics(settings: Settings, servers: str, partitions: int = 2, **more: Any) -> Settings:
    """`settings` on the broker at `servers`, with topics and a consumer group of the test's own: tests
    share one broker, and Tansu ignores LeaveGroup, so a group is never reused."""
    run = uuid.uuid4().hex[:8]
    return settings.model_copy(
        update={
            "kafka_bootstrap_servers": servers,
            "kafka_consumer_group": f"be-{run}",
            "topic_inbound": f"in-{run}",
            "topic_status": f"status-{run}",
            "topic_dlq": f"dlq-{run}",
            "topic_flags": f"flags-{run}",
            "topic_partitions": partitions,
            **more,
        }
    )


def crs_file(
    sender: str = "LU",
    *reports: AccountReport,
    message_ref_id: str | None = None,
    fi: ReportingFI | None = None,
    header: MessageHeader | None = None,
) -> bytes:
    """A CRS v2 document from `sender` to BE, with the rule tests' valid defaults."""
    head = header or builders.header(transmitting=sender, message_ref_id=message_ref_id)
    return crs_bytes(head, fi or builders.reporting_fi(), reports or (builders.account_report(),))


def seal(document: bytes, sender: AuthorityFolders, receiver: AuthorityFolders, tmp: Path) -> bytes:
    """A CTS packet from `sender` to `receiver`, as a sending authority makes it."""
    created = create_packet(
        document,
        PacketRequest(Profile.CTS, sender.jurisdiction, receiver.jurisdiction, "CRS", tax_year=2025),
        signer=sender.keyring().signing_pair(sender.jurisdiction),
        receiver_certificate=sender.trust().encryption_certificate(receiver.jurisdiction),
        directory=tmp,
    )
    return created.path.read_bytes()


def open_answer(answer: bytes, recipient: AuthorityFolders) -> etree._Element:
    """What the sender sees: our status packet opened with its key, the message schema-checked."""
    context = ReceivingContext(keyring=recipient.keyring(), trust=recipient.trust())
    with open_packet(answer, context) as opened:
        assert opened.metadata.communication_type == "CRSStatus"
        document = opened.stream.read()
        opened.verdict()
    message = etree.fromstring(document)
    load_schema(csm_v2.SPEC).assertValid(message)
    return message


def status_of(message: etree._Element) -> str:
    return str(message.findtext(f".//{{{CSM}}}ValidationResult/{{{CSM}}}Status"))


def codes_of(message: etree._Element, kind: str) -> list[int]:
    return [int(str(code.text)) for code in message.iterfind(f".//{{{CSM}}}{kind}/{{{CSM}}}Code")]


__all__ = ["builders", "date", "datetime", "replace"]
