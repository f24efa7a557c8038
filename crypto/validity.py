"""When a certificate vouches for a signature: judged at the time of receipt, not at a time the file claims.

A packet's `FileCreateTs` travels in its metadata, which is neither encrypted nor signed: anyone can
backdate it. So the signer's certificate is checked at the moment we receive the packet. One exception,
bounded: a file created before its signer's certificate expired, but received shortly after (a
partner's queue, a retry, a redelivery), is accepted within `grace` of the expiry; however far back
`FileCreateTs` says the file was made, a certificate expired longer than `grace` before receipt never is.

A certificate that is not yet valid at receipt is refused: its owner may not use it yet (clock skew of a
few minutes between the partners' machines is tolerated). A `FileCreateTs` in the future is not a time
anything can be judged at; the packet carries a warning about it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography import x509

# Partners' clocks differ a little; a certificate issued a minute ago on theirs is valid on ours.
CLOCK_SKEW = timedelta(minutes=5)
DEFAULT_GRACE = timedelta(days=7)


@dataclass(frozen=True)
class ReceiptClock:
    """The times a signer's certificate is judged by."""

    received_at: datetime
    claimed_creation: datetime | None = None  # the metadata's FileCreateTs: unsigned, a claim only
    grace: timedelta = DEFAULT_GRACE

    def future_claim(self) -> bool:
        created = self.claimed_creation
        return created is not None and created > self.received_at + CLOCK_SKEW


def _day(moment: datetime) -> str:
    return f"{moment:%Y-%m-%d %H:%M}Z"


def refusal(certificate: x509.Certificate, clock: ReceiptClock) -> str | None:
    """Why `certificate` cannot vouch for a file received at `clock.received_at`, or None if it can."""
    not_before, not_after = certificate.not_valid_before_utc, certificate.not_valid_after_utc
    received = clock.received_at
    if received + CLOCK_SKEW < not_before:
        return f"is not valid before {_day(not_before)} (received {_day(received)})"
    if received <= not_after:
        return None
    if received - not_after > clock.grace:
        return (
            f"expired at {_day(not_after)}, more than the {clock.grace.days}-day grace before "
            f"receipt ({_day(received)})"
        )
    created = clock.claimed_creation
    if created is None or not not_before - CLOCK_SKEW <= created <= not_after:
        return (
            f"expired at {_day(not_after)} and the file does not say it was created before "
            f"(FileCreateTs {_day(created) if created else 'absent'})"
        )
    return None
