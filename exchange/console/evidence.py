"""A flag's evidence as an analyst reads it: the JSON column holds amounts as decimal strings, codes
and counts as integers, lists and per-sender maps; shown raw they read as Python (`['NL', 'LU']`,
`None`, `{'NL': '1200.00'}`)."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

# An amount as the flag writer stores a Decimal: digits with a fractional part. Integers stay as they
# are (years, error codes and counts are integers too, and "2,025" or "60,001" would misread them).
_AMOUNT = re.compile(r"-?\d+\.\d+")


def readable(value: Any) -> str:
    """One evidence value as text: amounts grouped by thousands, lists and maps spelled out, no value
    as a dash."""
    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, str) and _AMOUNT.fullmatch(value):
        return f"{Decimal(value):,.2f}"
    if isinstance(value, dict):
        return "; ".join(f"{key}: {readable(item)}" for key, item in value.items()) or "none"
    if isinstance(value, list | tuple):
        return ", ".join(readable(item) for item in value) or "none"
    return str(value)


def label(key: str) -> str:
    """An evidence key as words: `reported_residences` → `reported residences`."""
    return key.replace("_", " ")
