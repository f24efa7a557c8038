"""The IRS's public IDES test packets (oracles in ../shared/standards/ides)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from lxml import etree

from crypto.keyring import KeyPair
from crypto.metadata import metadata_schema
from crypto.packet_open import ReceivingContext
from crypto.profiles import Profile
from tests.crypto.conftest import ides_certificate, ides_key, key_info_certificate, open_all
from tests.crypto.helpers import context_for

SAMPLE = "Sample_000000.00000.TA.124.zip"
NOTIFICATION = "SampleNotification_840FX44u+n_IsjiyF9CqaVRbCcCIswIX.zip"


@pytest.fixture
def irs_context(standards_dir: Path) -> ReceivingContext:

    notification_signer = key_info_certificate(
        standards_dir / "ides" / "Notification_NDC_000000.00000.TA.840_Payload.xml"
    )
    return context_for(
        [
            KeyPair("000000.00000.TA.840", ides_key(standards_dir, "us_irs_key.pem"), None),
            KeyPair("000000.00000.TA.484", ides_key(standards_dir, "mx_key.pem"), None),
            KeyPair("2IW3WK.00000.LE.152", ides_key(standards_dir, "ca_key.pem"), None),
        ],
        {
            "000000.00000.TA.124": [ides_certificate(standards_dir, "ca_cert.pem")],
            "000000.00000.TA.840": [notification_signer],
        },
    )


@pytest.mark.parametrize("receiver", ["000000.00000.TA.840", "000000.00000.TA.484"])
def test_sample_packet_opens_for_each_recipient(
    standards_dir: Path, irs_context: ReceivingContext, receiver: str
) -> None:
    document, verdict = open_all(standards_dir / "ides" / SAMPLE, irs_context, receiver=receiver)
    assert verdict.c14n == "inclusive"
    assert verdict.references == ("Object",)
    assert "CN=MITRE" in verdict.signer_subject
    schema = etree.XMLSchema(etree.parse(str(standards_dir / "xsd" / "fatca_v2" / "FatcaXML_v2.0.xsd")))
    inner = etree.fromstring(document)
    assert schema.validate(inner), schema.error_log
    unsigned = etree.parse(str(standards_dir / "ides" / "Sample.000000.00000.TA.124_Payload.xml")).getroot()
    assert etree.tostring(inner, method="c14n") == etree.tostring(unsigned, method="c14n")


def test_sample_metadata_deviation_is_a_warning(standards_dir: Path, irs_context: ReceivingContext) -> None:
    from crypto.packet_open import open_packet

    with open_packet(standards_dir / "ides" / SAMPLE, irs_context) as packet:
        assert packet.metadata.profile is Profile.IDES
        assert packet.receiver == "000000.00000.TA.840"  # the addressee is preferred over the approver
        assert any("FileCreateTs" in warning for warning in packet.warnings)
        assert packet.metadata.created is not None and packet.metadata.created.year == 2017


def test_notification_packet_opens_with_two_references(
    standards_dir: Path, irs_context: ReceivingContext
) -> None:
    # Its signer's certificate expired in 2019: the packet is opened as on the day it was sent.
    sent = datetime(2016, 11, 23, 17, 45, tzinfo=UTC)
    document, verdict = open_all(standards_dir / "ides" / NOTIFICATION, irs_context, received_at=sent)
    assert verdict.c14n == "exclusive"
    assert sorted(verdict.references) == ["KeyInfo", "Object"]
    root = etree.fromstring(document)
    assert etree.QName(root).localname == "FATCAFileErrorNotification"
    expected = etree.parse(str(standards_dir / "ides" / "Notification_NDC_000000.00000.TA.840_Payload.xml"))
    obj = expected.find("{http://www.w3.org/2000/09/xmldsig#}Object")
    assert obj is not None
    # Exclusive C14N signed only the namespaces in use: compare on that footing.
    assert etree.tostring(root, method="c14n", exclusive=True) == etree.tostring(
        obj[0], method="c14n", exclusive=True
    )


def test_notification_signer_outside_the_trust_store_is_refused(standards_dir: Path) -> None:
    from crypto.errors import PacketError

    context = context_for(
        [KeyPair("2IW3WK.00000.LE.152", ides_key(standards_dir, "ca_key.pem"), None)],
        {"000000.00000.TA.840": [ides_certificate(standards_dir, "us_irs_cert.pem")]},
    )
    with pytest.raises(PacketError) as caught:
        open_all(
            standards_dir / "ides" / NOTIFICATION, context, received_at=datetime(2016, 11, 24, tzinfo=UTC)
        )
    assert caught.value.code == 50004 and "not the one registered" in caught.value.reason


def _mutations(sample: bytes) -> list[bytes]:
    text = sample.decode()
    swaps = [
        ("000000.00000.TA.124", "000000.00000.TO.124"),  # letter O is not allowed in a GIIN
        ("000000.00000.TA.124", "00000.00000.TA.124"),
        ("<FATCAEntCommunicationTypeCd>RPT", "<FATCAEntCommunicationTypeCd>XXX"),
        ("<FileFormatCd>XML", "<FileFormatCd>DOC"),
        ("<BinaryEncodingSchemeCd>NONE", "<BinaryEncodingSchemeCd>HEX"),
        ("2015-06-30T00:00:00Z", "2015-06-30T00:00:00"),
        ("2015-06-30T00:00:00Z", "2015-06-30T00:00:00.1234567Z"),
        ("2015-06-30T00:00:00Z", "2015-06-30T00:00:00+0100"),
        ("2015-06-30T00:00:00Z", "0015-06-30T00:00:00Z"),
        ("<TaxYear>2014", "<TaxYear>14"),
        ("<FileRevisionInd>true", "<FileRevisionInd>yes"),
        ("c19d4f557daf461fbb6d601b74c821a2", "c19d4f557daf461fbb6d601b74c821a"),
        ("<FileFormatCd>XML</FileFormatCd>", ""),
        ("<TaxYear>2014</TaxYear>", ""),
        ("<SenderFileId>", "<SenderFileId>" + "x" * 200),
    ]
    return [text.replace(old, new, 1).encode() for old, new in swaps]


def test_project_ides_metadata_schema_agrees_with_the_official_one(standards_dir: Path) -> None:
    official = etree.XMLSchema(
        etree.parse(
            str(standards_dir / "xsd" / "ides_metadata_v1.1" / "FATCA-IDES-SenderFileMetadata-1.1.xsd")
        )
    )
    ours = metadata_schema(Profile.IDES)
    samples = sorted((standards_dir / "samples" / "ides_metadata").glob("*.xml"))
    corpus = [path.read_bytes() for path in samples]
    corpus += _mutations(corpus[-1])
    import zipfile

    for packet in (SAMPLE, NOTIFICATION):
        with zipfile.ZipFile(standards_dir / "ides" / packet) as archive:
            corpus += [archive.read(n) for n in archive.namelist() if n.endswith("_Metadata.xml")]
    verdicts = []
    for document in corpus:
        tree = etree.fromstring(document)
        assert official.validate(tree) == ours.validate(tree), document.decode()[:400]
        verdicts.append(ours.validate(tree))
    assert True in verdicts and False in verdicts
