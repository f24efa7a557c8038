"""The signer's certificate is judged at receipt; an unsigned FileCreateTs buys at most the grace."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from crypto.certs import generate_key_pair
from crypto.errors import PacketError
from crypto.limits import Limits
from crypto.packet_open import ReceivingContext, open_packet
from crypto.validity import ReceiptClock, refusal
from exchange.settings import Settings
from tests.crypto.conftest import MakePacket, open_all
from tests.crypto.helpers import Party, context_for, make_document

NOW = datetime.now(UTC)


def _party(not_before: datetime, not_after: datetime) -> Party:
    days = (not_after - not_before).days
    key, certificate = generate_key_pair("NL", not_before=not_before, days=days)
    return Party("NL", key, certificate)


@pytest.fixture(scope="module")
def expired_2_days_ago() -> Party:
    return _party(NOW - timedelta(days=367), NOW - timedelta(days=2))


@pytest.fixture(scope="module")
def expired_10_days_ago() -> Party:
    return _party(NOW - timedelta(days=375), NOW - timedelta(days=10))


@pytest.fixture(scope="module")
def valid_next_month() -> Party:
    return _party(NOW + timedelta(days=30), NOW + timedelta(days=400))


def _receiving(parties: dict[str, Party], signer: Party, **limits: object) -> ReceivingContext:
    return context_for([parties["BE"].pair()], {"NL": [signer.certificate]}, **limits)


def _refused(packet: bytes, context: ReceivingContext) -> str:
    with pytest.raises(PacketError) as caught:
        open_all(packet, context)
    assert caught.value.code == 50004
    return caught.value.reason


def test_backdated_file_create_ts_does_not_revive_an_expired_certificate(
    make_packet: MakePacket, parties: dict[str, Party]
) -> None:
    expired = parties["NL-expired"]  # expired more than a year ago
    during = expired.certificate.not_valid_before_utc + timedelta(days=10)
    packet = make_packet(make_document(2000), signer=expired, moment=during)
    reason = _refused(packet, _receiving(parties, expired))
    assert "more than the 7-day grace" in reason


def test_an_expired_certificate_beside_a_valid_one_signs_nothing(
    make_packet: MakePacket, parties: dict[str, Party]
) -> None:
    expired = parties["NL-expired"]
    context = context_for([parties["BE"].pair()], {"NL": [expired.certificate, parties["NL"].certificate]})
    assert "expired" in _refused(make_packet(make_document(2000), signer=expired), context)


def test_a_file_created_before_expiry_is_accepted_within_the_grace(
    make_packet: MakePacket, parties: dict[str, Party], expired_2_days_ago: Party
) -> None:
    created = expired_2_days_ago.certificate.not_valid_after_utc - timedelta(hours=3)
    packet = make_packet(make_document(2000), signer=expired_2_days_ago, moment=created)
    document, verdict = open_all(packet, _receiving(parties, expired_2_days_ago))
    assert b"NL2024BE0001" in document and verdict.in_grace
    assert verdict.checked_at > expired_2_days_ago.certificate.not_valid_after_utc


def test_the_grace_needs_a_file_created_before_expiry(
    make_packet: MakePacket, parties: dict[str, Party], expired_2_days_ago: Party
) -> None:
    packet = make_packet(make_document(2000), signer=expired_2_days_ago, moment=NOW)
    assert "does not say it was created before" in _refused(packet, _receiving(parties, expired_2_days_ago))


def test_the_grace_is_bounded_and_configurable(
    make_packet: MakePacket, parties: dict[str, Party], expired_10_days_ago: Party
) -> None:
    created = expired_10_days_ago.certificate.not_valid_after_utc - timedelta(days=1)
    packet = make_packet(make_document(2000), signer=expired_10_days_ago, moment=created)
    assert "more than the 7-day grace" in _refused(packet, _receiving(parties, expired_10_days_ago))
    limits = Limits.from_settings(Settings(certificate_grace_days=14))
    generous = _receiving(parties, expired_10_days_ago, certificate_grace=limits.certificate_grace)
    assert open_all(packet, generous)[1].in_grace


def test_a_certificate_not_yet_valid_at_receipt_is_refused(
    make_packet: MakePacket, parties: dict[str, Party], valid_next_month: Party
) -> None:
    # A FileCreateTs inside the certificate's future validity changes nothing: receipt decides.
    created = valid_next_month.certificate.not_valid_before_utc + timedelta(days=1)
    packet = make_packet(make_document(2000), signer=valid_next_month, moment=created)
    assert "is not valid before" in _refused(packet, _receiving(parties, valid_next_month))


def test_a_future_file_create_ts_is_a_warning(
    make_packet: MakePacket, parties: dict[str, Party], be_context: ReceivingContext
) -> None:
    packet = make_packet(make_document(2000), moment=NOW + timedelta(days=3))
    with open_packet(packet, be_context) as opened:
        opened.drain()
        assert not opened.verdict().in_grace
        assert any("FileCreateTs lies in the future" in warning for warning in opened.warnings)


def test_receipt_time_can_be_given(
    make_packet: MakePacket, parties: dict[str, Party], expired_2_days_ago: Party
) -> None:
    """A packet received (and recorded) before the expiry is judged at that time."""
    packet = make_packet(make_document(2000), signer=expired_2_days_ago, moment=NOW)
    received = expired_2_days_ago.certificate.not_valid_after_utc - timedelta(days=1)
    with open_packet(packet, _receiving(parties, expired_2_days_ago), received_at=received) as opened:
        assert not opened.drain().in_grace


@pytest.mark.parametrize(
    ("received", "created", "accepted"),
    [
        (timedelta(days=-1), None, True),  # valid at receipt, no claim needed
        (timedelta(days=6, hours=23), timedelta(hours=-1), True),  # inside the grace
        (timedelta(days=7, hours=1), timedelta(hours=-1), False),  # past it
        (timedelta(days=1), timedelta(hours=1), False),  # "created" after the expiry
        (timedelta(days=1), timedelta(days=-800), False),  # "created" before the certificate existed
    ],
)
def test_rule_around_the_expiry(
    parties: dict[str, Party], received: timedelta, created: timedelta | None, accepted: bool
) -> None:
    certificate = parties["NL"].certificate
    expiry = certificate.not_valid_after_utc
    clock = ReceiptClock(expiry + received, None if created is None else expiry + created)
    assert (refusal(certificate, clock) is None) is accepted
