"""What every check may read besides the record: the message header, who we are, and today's date."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from exchange.records import (
    AccountReport,
    CbcAdditionalInfo,
    CbcReport,
    FIRole,
    MessageHeader,
    NilReport,
    OperatorRole,
    OtherPlatformOperator,
    PoolReport,
    Record,
    ReportableSeller,
    ReportingFI,
)
from exchange.settings import Environment, Settings
from exchange.validation.rules.history import History

_COUNTRY = re.compile(r"[A-Z]{2}")


@dataclass(frozen=True)
class ReceiverProfile:
    """The receiving side's settings that decide rules: 50012 (the message must be for us) and
    50010/50011 (test data only in a test environment, production data only in production)."""

    home_jurisdiction: str
    environment: Environment = Environment.PRODUCTION

    @classmethod
    def from_settings(cls, settings: Settings) -> ReceiverProfile:
        return cls(home_jurisdiction=settings.home_jurisdiction, environment=settings.environment)


@dataclass(frozen=True)
class RuleContext:
    header: MessageHeader
    receiver: ReceiverProfile
    today: date
    # MessageRefIds of the sender already taken by earlier files (50009), each with that file's id.
    used_message_ref_ids: Mapping[str, int] = field(default_factory=dict)
    # The sender's earlier files, for a file rule that asks once at the end of the file (80009); None
    # without a store. `sender` keys its lookups (the packet's sender).
    history: History | None = None
    sender: str = ""
    # Who sent the file for certain: the packet's metadata sender, whose registered certificate signed it
    # (a country code in CTS, a GIIN in IDES). None for a file without its packet (`exchange validate`).
    authenticated_sender: str | None = None

    @property
    def format(self) -> tuple[str, str]:
        return self.header.format_name, self.header.format_version

    @property
    def sending_country(self) -> str:
        """The country the identifiers must start with (50008, 80001): the authenticated sender when it is
        a country (CTS); otherwise what the header says (a file alone; an IDES sender, known by its GIIN)."""
        signer = self.authenticated_sender
        return signer if signer is not None and is_country(signer) else self.header.transmitting_country

    @property
    def domestic(self) -> bool:
        """A financial institution reporting to its own authority (TransmittingCountry ==
        ReceivingCountry, as in Swiss domestic CRS files): there the account holders are resident
        elsewhere by design, so the residence rules 60011/60012 do not apply, and the file is no
        transmission between competent authorities, so neither does the MessageRefId format (50008)."""
        return self.header.transmitting_country == self.header.receiving_country


def is_country(party: str) -> bool:
    """Whether a sender is a jurisdiction (an ISO 3166 alpha-2 code, CTS) rather than a GIIN (IDES)."""
    return _COUNTRY.fullmatch(party) is not None


def element_name(record: Record) -> str:
    """The element a record was read from, as a FieldPath starts."""
    if isinstance(record, ReportingFI):
        return record.element or {FIRole.SPONSOR: "Sponsor", FIRole.INTERMEDIARY: "Intermediary"}.get(
            record.role, "ReportingFI"
        )
    if isinstance(record, AccountReport):
        return "AccountReport"
    if isinstance(record, PoolReport):
        return "PoolReport"
    if isinstance(record, NilReport):
        return "NilReport"
    if isinstance(record, ReportableSeller):
        return "ReportableSeller"
    if isinstance(record, CbcReport):
        return "CbcReports"
    if isinstance(record, CbcAdditionalInfo):
        return "AdditionalInfo"
    if isinstance(record, OtherPlatformOperator):
        return (
            "AssumingPlatformOperator" if record.role is OperatorRole.ASSUMING else "AssumedPlatformOperator"
        )
    raise TypeError(f"not a record: {type(record).__name__}")


def field_path(record: Record, *parts: str) -> str:
    """A FieldPath of the status message: the record's element, then the path inside it."""
    return "/".join((element_name(record), *parts))
