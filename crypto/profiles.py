"""The two packet profiles (OECD CTS and IRS IDES) and how each names its files (FACTS §4)."""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

CTS_NAMESPACE = "urn:oecd:ctssenderfilemetadata"
IDES_NAMESPACE = "urn:fatca:idessenderfilemetadata"

METADATA_SUFFIX = "_Metadata.xml"
PAYLOAD_SUFFIX = "_Payload"
KEY_SUFFIX = "_Key"


class Profile(StrEnum):
    CTS = "cts"
    IDES = "ides"

    @property
    def namespace(self) -> str:
        return CTS_NAMESPACE if self is Profile.CTS else IDES_NAMESPACE


def base_module(communication_type: str) -> str:
    """CTS names entries after the base module, even for status messages (CRSStatus -> CRS)."""
    return communication_type.removesuffix("Status")


def party_of(entry_name: str) -> str:
    """The party an entry is named for: the text before the first underscore (GIINs have none)."""
    return entry_name.split("_", 1)[0]


@dataclass(frozen=True)
class EntryNames:
    metadata: str
    payload: str
    inner_document: str

    def key(self, receiver: str, communication_type: str, profile: Profile) -> str:
        if profile is Profile.CTS:
            return f"{receiver}_{base_module(communication_type)}{KEY_SUFFIX}"
        return f"{receiver}{KEY_SUFFIX}"


def entry_names(profile: Profile, sender: str, communication_type: str) -> EntryNames:
    stem = f"{sender}_{base_module(communication_type)}" if profile is Profile.CTS else sender
    return EntryNames(
        metadata=stem + METADATA_SUFFIX,
        payload=stem + PAYLOAD_SUFFIX,
        inner_document=f"{stem}{PAYLOAD_SUFFIX}.xml",
    )


def packet_file_name(
    profile: Profile, sender: str, communication_type: str, moment: datetime | None = None
) -> str:
    moment = (moment or datetime.now(UTC)).astimezone(UTC)
    stamp = moment.strftime("%Y%m%dT%H%M%S") + f"{moment.microsecond // 1000:03d}Z"
    if profile is Profile.IDES:
        return f"{stamp}_{sender}.zip"
    alphabet = string.ascii_letters + string.digits
    unique = "".join(secrets.choice(alphabet) for _ in range(32))
    return f"{sender}_{communication_type}_{stamp}_{unique}.zip"
