"""Who a key or a certificate belongs to: a jurisdiction (ISO 3166 code, CTS) or a GIIN (IDES).

The folder names of the keys and partners directories are these identifiers (crypto/README.md).
"""

from __future__ import annotations

import re

# A GIIN is 6.5.2.3 characters (the IRS leaves out the letter O): 98Q96B.00000.LE.250, 000000.00000.TA.840.
PARTY_IDENTIFIER = re.compile(r"[A-Z]{2}|[0-9A-NP-Z]{6}\.[0-9A-NP-Z]{5}\.[A-NP-Z]{2}\.[0-9]{3}")
PARTY_FORMAT = "a two-letter ISO 3166 country code (BE) or a GIIN (98Q96B.00000.LE.250)"


def party_identifier(text: str) -> str | None:
    """The identifier in its canonical (upper-case) form, or None if `text` is none."""
    identifier = text.strip().upper()
    return identifier if PARTY_IDENTIFIER.fullmatch(identifier) else None
