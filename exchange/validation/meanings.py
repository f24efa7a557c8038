"""What each OECD status-message code means, for people: the business rules' own sentences, and for the
codes no rule raises (found while a packet is opened and parsed, or custom) the OECD's meaning as
/work/shared/standards/FACTS.md §3 summarises the CRS Status Message User Guide's code table.
"""

from __future__ import annotations

from typing import Any

from exchange.validation.codes import FILE_CODES

# The codes raised outside the rule registry (exchange/validation/rules/__init__.py says why).
_OUTSIDE_RULES = {
    50001: ("failed-download", "The file could not be downloaded."),
    50002: ("failed-decryption", "The file could not be decrypted: the key did not unwrap or the payload "
            "did not decrypt with it."),
    50003: ("failed-decompression", "The decrypted payload could not be decompressed (or inflated beyond "
            "the size and ratio limits)."),
    50004: ("failed-signature-check", "The signature does not verify, or the signer's certificate is not "
            "the one registered for the sender."),
    50005: ("failed-threat-scan", "The document holds what is never accepted: a DOCTYPE, entities, "
            "XInclude, or nesting deeper than the limit."),
    50006: ("failed-virus-scan", "The file failed the virus scan."),
    50007: ("failed-schema-validation", "The document does not validate against the schema of its format "
            "and version (or is in a format not read)."),
    50013: ("incorrect-key-size", "The AES key and IV are not 48 bytes (or ECB mode, or no IV)."),
    99999: ("custom", "A value the schema allows that the store cannot keep (see the store's limits); the "
            "record is refused."),
}  # fmt: skip
REFERENCE = "OECD CRS Status Message XML Schema User Guide, Part B (error codes)"


def code_meaning(code: int) -> dict[str, Any]:
    """The code's level, name, sentence and reference; a code the product does not know is said so."""
    from exchange.validation.rules import by_code

    try:
        rule = by_code(code)
    except KeyError:
        pass
    else:
        return {
            "code": code,
            "level": rule.level,
            "name": rule.name,
            "meaning": rule.rule,
            "reference": rule.reference,
        }
    level = "file" if code in FILE_CODES else "record"
    if code in _OUTSIDE_RULES:
        name, meaning = _OUTSIDE_RULES[code]
        return {"code": code, "level": level, "name": name, "meaning": meaning, "reference": REFERENCE}
    return {"code": code, "level": level, "name": "unknown", "meaning": "Not a code this product raises.",
            "reference": None}  # fmt: skip
