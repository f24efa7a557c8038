"""MessageSpec → MessageHeader."""

from __future__ import annotations

from lxml import etree

from exchange.extract.xmltext import leaf_fields, local_name, parse_date, parse_datetime, text
from exchange.formats.spec import FormatSpec
from exchange.records import MessageHeader

_FIELDS = {
    "MessageType": "message_type",
    "TransmittingCountry": "transmitting_country",
    "ReceivingCountry": "receiving_country",
    "MessageRefId": "message_ref_id",
    "ReportingPeriod": "reporting_period",
    "Timestamp": "timestamp",
    "MessageTypeIndic": "message_type_indic",
    "SendingCompanyIN": "sending_company_in",
    "Warning": "warning",
    "Contact": "contact",
}
_REPEATED = {"CorrMessageRefId": "corr_message_ref_ids"}
_REQUIRED = ("transmitting_country", "receiving_country", "message_ref_id", "reporting_period", "timestamp")


_DATES = {"reporting_period": "ReportingPeriod", "timestamp": "Timestamp"}
_NAMES = {field: element for element, field in _FIELDS.items()}


def header_problem(element: etree._Element) -> str:
    """Why `message_header` gives None for this MessageSpec: the first required field missing, or a date
    the product cannot hold. ReportingPeriod and Timestamp describe the message, not a person: quoted."""
    values = leaf_fields(element, _FIELDS)
    for name in _REQUIRED:
        written = values.get(name)
        if written is None:
            return f"{_NAMES[name]} is missing"
        if name in _DATES and (parse_date if name == "reporting_period" else parse_datetime)(written) is None:
            return (
                f"{_DATES[name]} {written!r} is not a date this receiver can process (it reads the years "
                "0001 to 9999)"
            )
    return "its required fields could not be read"


def message_header(element: etree._Element, spec: FormatSpec) -> MessageHeader | None:
    """The header of a MessageSpec element, or None when a field every header needs is missing or
    unreadable (the file's schema finding rejects it; there is nothing to validate against)."""
    values = leaf_fields(element, _FIELDS, _REPEATED)
    values["reporting_period"] = parse_date(values.get("reporting_period"))
    values["timestamp"] = parse_datetime(values.get("timestamp"))
    if any(values.get(name) is None for name in _REQUIRED):
        return None
    values["message_type"] = values.get("message_type") or ""
    receiving = tuple(
        found for child in element if local_name(child) == "ReceivingCountry" and (found := text(child))
    )
    if len(receiving) > 1:  # CbC addresses one message to several jurisdictions
        values["receiving_countries"] = receiving
    return MessageHeader(**values, format_name=spec.name, format_version=spec.version)
