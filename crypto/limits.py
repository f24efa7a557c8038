"""The resource limits and algorithm policy that opening a packet enforces."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from crypto.validity import DEFAULT_GRACE

if TYPE_CHECKING:
    from exchange.settings import Settings

_MIB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """Everything a hostile packet could try to exhaust, with the product's defaults."""

    max_packet_bytes: int = 2048 * _MIB
    max_decompressed_bytes: int = 4096 * _MIB
    max_compression_ratio: int = 200
    max_xml_depth: int = 64
    allow_sha1: bool = False
    # How long after a signer's certificate expired a file created before the expiry is still accepted.
    certificate_grace: timedelta = DEFAULT_GRACE
    # Small files compress far better than large ones (a 20 kB header-only file can reach 300:1),
    # and they cannot exhaust anything: the ratio is only judged past this many inflated bytes.
    ratio_grace_bytes: int = 1 * _MIB

    @classmethod
    def from_settings(cls, settings: Settings) -> Limits:
        return cls(
            max_packet_bytes=settings.max_packet_bytes,
            max_decompressed_bytes=settings.max_decompressed_bytes,
            max_compression_ratio=settings.max_compression_ratio,
            max_xml_depth=settings.max_xml_depth,
            allow_sha1=settings.allow_sha1_signatures,
            certificate_grace=timedelta(days=settings.certificate_grace_days),
        )
