"""How an operator sees a certificate: who it names, its fingerprint, and how long it has left."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes

DAY_SECONDS = 86_400


def fingerprint(certificate: x509.Certificate) -> str:
    """SHA-256 of the DER certificate, hex: what partners compare over the phone."""
    return certificate.fingerprint(hashes.SHA256()).hex()


@dataclass(frozen=True)
class Validity:
    status: str  # valid | not yet valid | expired
    days_left: int  # whole days until it expires; negative once expired
    warning: str | None  # "expires in 12 days", "expired 3 days ago", "not valid before ..."


def validity(certificate: x509.Certificate, moment: datetime, soon_days: int) -> Validity:
    not_before, not_after = certificate.not_valid_before_utc, certificate.not_valid_after_utc
    days_left = int((not_after - moment).total_seconds() // DAY_SECONDS)
    if moment < not_before:
        return Validity("not yet valid", days_left, f"not valid before {not_before:%Y-%m-%d %H:%M}Z")
    if moment > not_after:
        ago = -days_left - 1
        return Validity("expired", days_left, f"expired {_days(ago)} ago" if ago else "expired today")
    if days_left <= soon_days:
        return Validity("valid", days_left, f"expires in {_days(days_left)}")
    return Validity("valid", days_left, None)


def _days(count: int) -> str:
    return f"{count} day" if count == 1 else f"{count} days"


def describe(certificate: x509.Certificate, moment: datetime, soon_days: int) -> dict[str, Any]:
    """The certificate as `keys list` and `partners list` show it (public facts only)."""
    state = validity(certificate, moment, soon_days)
    return {
        "subject": certificate.subject.rfc4514_string(),
        "fingerprint": fingerprint(certificate),
        "not_before": certificate.not_valid_before_utc.isoformat(),
        "not_after": certificate.not_valid_after_utc.isoformat(),
        "status": state.status,
        "days_left": state.days_left,
        "warning": state.warning,
    }
