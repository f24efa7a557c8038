"""Packets (CTS and IDES profiles), keys and the partner trust store, AES/RSA, XML signatures.

The pipeline needs two calls: `open_packet(source, ReceivingContext.from_settings(settings))` and
`create_packet(document, PacketRequest(...), signer=..., receiver_certificate=..., directory=...)`.
See crypto/README.md for the keys and partners directories.
"""

from crypto.algorithms import EXCLUSIVE, INCLUSIVE, C14nMethod
from crypto.dsig_verify import SignatureVerdict
from crypto.errors import (
    FileErrorCode,
    KeyStoreError,
    PacketError,
    UnknownPartnerError,
    UnreadablePacketError,
    VerdictPendingError,
)
from crypto.keyring import KeyPair, Keyring
from crypto.limits import Limits
from crypto.metadata import MetadataPolicy, PacketMetadata
from crypto.packet_create import CreatedPacket, PacketRequest, SigningOptions, create_packet
from crypto.packet_open import OpenedPacket, ReceivingContext, open_packet, read_packet_metadata
from crypto.profiles import Profile
from crypto.truststore import TrustStore

__all__ = [
    "EXCLUSIVE",
    "INCLUSIVE",
    "C14nMethod",
    "CreatedPacket",
    "FileErrorCode",
    "KeyPair",
    "KeyStoreError",
    "Keyring",
    "Limits",
    "MetadataPolicy",
    "OpenedPacket",
    "PacketError",
    "PacketMetadata",
    "PacketRequest",
    "Profile",
    "ReceivingContext",
    "SignatureVerdict",
    "SigningOptions",
    "TrustStore",
    "UnknownPartnerError",
    "UnreadablePacketError",
    "VerdictPendingError",
    "create_packet",
    "open_packet",
    "read_packet_metadata",
]
