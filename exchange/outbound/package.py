"""A cut message as a CTS packet for its partner: signed with our key, encrypted for the partner's
registered certificate, made once and stored, so that sending again sends the same bytes.

Made outside any transaction (signing and encrypting a large file takes time) and stored only if no
packet was stored meanwhile: two senders at once keep one packet, and both publish that one.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, select, update

from crypto import PacketRequest, Profile, ReceivingContext, create_packet
from crypto.errors import KeyStoreError, UnknownPartnerError
from exchange.errors import ConfigError
from exchange.outbound.models import OutboundMessage
from exchange.settings import Settings


class PackagingError(ConfigError):
    """A message cannot be sealed: no key of ours or no certificate of the partner valid now."""


@dataclass(frozen=True)
class Packaged:
    message_id: int
    partner: str
    message_ref_id: str
    transmission_id: str
    packet: bytes


def package(
    engine: Engine,
    settings: Settings,
    message_id: int,
    *,
    again: bool = False,
    before_store: Callable[[], None] | None = None,
) -> Packaged:
    """The message's stored packet, made first if there is none; `again` (a resend) makes a new one in
    place of the old, a new transmission of the same document. `before_store` is called between sealing
    and storing (the crash tests kill the process there)."""
    with engine.connect() as connection:
        row = connection.execute(select(OutboundMessage).where(OutboundMessage.id == message_id)).one()
    if row.packet is not None and not again:
        return Packaged(row.id, row.partner, row.message_ref_id, str(row.transmission_id), row.packet)
    packet, transmission_id = _seal(settings, row.document, row.partner, row.reporting_period.year)
    if before_store is not None:
        before_store()
    with engine.begin() as connection:
        condition = (
            OutboundMessage.transmissions == row.transmissions if again else OutboundMessage.packet.is_(None)
        )
        connection.execute(
            update(OutboundMessage)
            .where(OutboundMessage.id == message_id, condition)
            .values(
                packet=packet,
                transmission_id=transmission_id,
                packaged_at=datetime.now(UTC),
                sent_at=None,
                transmissions=row.transmissions + 1,
            )
        )
        stored = connection.execute(
            select(OutboundMessage.packet, OutboundMessage.transmission_id).where(
                OutboundMessage.id == message_id
            )
        ).one()
    return Packaged(row.id, row.partner, row.message_ref_id, str(stored.transmission_id), stored.packet)


def _seal(settings: Settings, document: bytes, partner: str, tax_year: int) -> tuple[bytes, str]:
    context = ReceivingContext.from_settings(settings)
    home = settings.home_jurisdiction
    try:
        signer = context.keyring.signing_pair(home)
        certificate = context.trust.encryption_certificate(partner)
    except (KeyStoreError, UnknownPartnerError) as exc:
        raise PackagingError(
            f"cannot seal the message for {partner}: {exc} "
            "(see `exchange keys list` and `exchange partners list`)"
        ) from None
    request = PacketRequest(Profile.CTS, home, partner, "CRS", tax_year=tax_year)
    with tempfile.TemporaryDirectory(prefix="exchange-outbound-") as folder:
        created = create_packet(
            document, request, signer=signer, receiver_certificate=certificate, directory=Path(folder)
        )
        return created.path.read_bytes(), created.metadata.sender_file_id
