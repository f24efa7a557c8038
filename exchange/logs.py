"""Structured logging: JSON when not on a terminal, readable on one, and never personal data.

Personal data enters log calls in two ways, and each has its guard:
- as a field whose name says what it is (`tin=`, `last_name=`, `birth_date=`): the value is replaced;
- inside free text (an exception message quoting the XML, a filename): TIN-like digit runs and dates
  are replaced wherever they stand, except in fields that are known to hold only technical values.

Institutions and authorities are not persons: what identifies them (GIINs such as 98Q96B.00000.LE.250,
country codes, MessageRefIds and DocRefIds, which begin with the sending country's code) is what
operators search the logs for, and is kept.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Mapping, MutableMapping
from typing import Any, TextIO

import structlog

REDACTED = "[redacted]"

# Field names (lower-cased, without separators) that always hold personal data.
_PERSONAL_FIELDS = frozenset(
    {
        "tin", "tins", "nationalid", "nationalnumber", "ssn", "bsn", "taxid",
        "name", "names", "firstname", "lastname", "middlename", "fullname", "personname",
        "holder", "accountholder", "controllingperson", "person", "taxpayer",
        "address", "addresses", "street", "addressfree", "postcode", "city",
        "birthdate", "dateofbirth", "dob", "birthinfo", "birthplace",
        "accountnumber", "iban",
    }
)  # fmt: skip

# Fields that only ever hold technical values; free-text scrubbing would only damage them.
_TECHNICAL_FIELDS = frozenset({"timestamp", "level", "logger", "event_id", "sha256", "offset", "partition"})

# Free text is read in one pass, the first alternative that fits at a place winning:
# - a GIIN (6 characters . 5 . 2 letters . 3 digits: 98Q96B.00000.LE.250, the IRS's 000000.00000.TA.124)
#   or a reference that starts with a country code and a digit (NL2025BE0001, NL2024-00000017): kept;
# - a calendar date (1985-07-30, 30/07/1985, 30.07.1985): a birth date, perhaps;
# - 8+ digits standing alone, with the separators national formats use (85.07.30-033.28, 111 222 333):
#   a TIN, perhaps. Digits glued to letters (ACC000000017, T120101782Z) are references, not TINs.
_FREE_TEXT = re.compile(
    r"(?P<kept>\b[0-9A-Z]{6}\.[0-9A-Z]{5}\.[A-Z]{2}\.\d{3}\b|\b[A-Z]{2}\d[\w.\-/]*)"
    r"|(?P<date>\b(?:1[89]|20)\d\d-[01]\d-[0-3]\d\b|\b[0-3]\d[./][01]\d[./](?:1[89]|20)\d\d\b)"
    r"|(?P<tin>(?<![\w.])\d(?:[\d .\-/]{6,}\d)(?![\w]))"
)


def _normalize_key(key: str) -> str:
    return re.sub(r"[^a-z]", "", key.lower())


def _scrubbed(match: re.Match[str]) -> str:
    if match.lastgroup == "date":
        return "[date]"
    if match.lastgroup == "tin" and sum(c.isdigit() for c in match.group()) >= 8:
        return "[tin]"
    return match.group()


def scrub_text(text: str) -> str:
    """Remove TIN-like digit runs and calendar dates from free text; keep institution identifiers."""
    return _FREE_TEXT.sub(_scrubbed, text)


def _scrub_value(value: Any) -> Any:
    if isinstance(value, str):
        return scrub_text(value)
    if isinstance(value, Mapping):
        return _redact_mapping(value)
    if isinstance(value, list | tuple | set | frozenset):
        return [_scrub_value(item) for item in value]
    return value


def _redact_mapping(mapping: Mapping[str, Any]) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    for key, value in mapping.items():
        if _normalize_key(str(key)) in _PERSONAL_FIELDS:
            clean[key] = REDACTED
        elif key in _TECHNICAL_FIELDS:
            clean[key] = value
        else:
            clean[key] = _scrub_value(value)
    return clean


def redact_personal_data(
    _logger: Any, _method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """structlog processor: the last line of defence before anything is rendered."""
    return _redact_mapping(event_dict)


class _CurrentStderr:
    """Writes to whatever `sys.stderr` is at the moment of writing, not at configuration time.

    Test runners and embedding programs swap stderr; a logger bound to an old, closed stream would
    turn every log call into an exception.
    """

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()

    def isatty(self) -> bool:
        return sys.stderr.isatty()


def configure_logging(level: str = "info", fmt: str = "auto", stream: TextIO | None = None) -> None:
    """Configure structlog (and the stdlib loggers of our dependencies) once per process."""
    out: Any = stream or _CurrentStderr()
    as_json = fmt == "json" or (fmt == "auto" and not out.isatty())
    renderer: structlog.typing.Processor = (
        structlog.processors.JSONRenderer() if as_json else structlog.dev.ConsoleRenderer(colors=out.isatty())
    )
    numeric_level = logging.getLevelNamesMapping()[level.upper()]
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            redact_personal_data,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(numeric_level),
        logger_factory=structlog.PrintLoggerFactory(out),
        cache_logger_on_first_use=False,
    )
    # Libraries (aiokafka, alembic) log through the stdlib: keep them quiet unless they warn.
    logging.basicConfig(level=max(numeric_level, logging.WARNING), stream=out, format="%(name)s: %(message)s")


def get_logger(name: str) -> Any:
    return structlog.get_logger(name)
