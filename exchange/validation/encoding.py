"""The encoding policy of every XML document the product receives: UTF-8, and nothing else.

The exchange formats are written and exchanged in UTF-8: the OECD's schemas (CRS, CbC, DPI, the status
message) and the IRS's FATCA schema are published in UTF-8, and every official sample and IRS test packet
in ../shared/standards declares it; XML 1.0 obliges every reader to understand UTF-8 and UTF-16 only, so
UTF-8 is the one encoding every partner's receiver is sure to read. (A sentence of the OECD user guides
requiring UTF-8 could not be found here: the decision rests on the above and is marked uncertain.)

So: UTF-8, with or without its byte-order mark (Windows tools write one; it changes nothing), declared or
not. UTF-16 and UTF-32 are refused even when well-formed and announced by a byte-order mark, and so is
any other declared encoding (ISO-8859-1, windows-1252...): what we tolerated, our partners' other
receivers might not, and one rule for every partner is easier to explain in a status message than a
tolerance. A refusal is 50007, on both paths: `exchange validate` (exchange.validation.prolog) and the
signed payload of a packet (crypto.xmlsafe, which reads it before anything is verified).

This module is plain bytes, no parser: crypto uses it without loading lxml.
"""

from __future__ import annotations

import re

PROBE = 256  # the byte-order mark and the XML declaration stand within these first bytes

_BOMS = (
    (b"\x00\x00\xfe\xff", "UTF-32"),
    (b"\xff\xfe\x00\x00", "UTF-32"),
    (b"\xfe\xff", "UTF-16"),
    (b"\xff\xfe", "UTF-16"),
)
UTF8_BOM = b"\xef\xbb\xbf"
_DECLARED_ENCODING = re.compile(rb"""^<\?xml[^>]*?\sencoding\s*=\s*["']([^"']*)["']""")


def encoding_problem(head: bytes) -> str | None:
    """Why a document starting with `head` (its first `PROBE` bytes) is not UTF-8, or None if it is."""
    for bom, name in _BOMS:
        if head.startswith(bom):
            return f"the file is encoded in {name}; the standard requires UTF-8"
    if head.startswith((b"\x00<\x00", b"<\x00?\x00", b"<\x00<\x00")) or head[:2] == b"\x00<":
        return "the file is encoded in UTF-16 without a byte-order mark; UTF-8 is required"
    declared = _DECLARED_ENCODING.match(head.removeprefix(UTF8_BOM))
    if declared is not None:
        name = declared.group(1).decode("ascii", "replace")
        if name.strip().lower().replace("_", "-") not in ("utf-8", "utf8"):
            return f"the file declares encoding {name!r}; the standard requires UTF-8"
    return None
