"""MessageSpec → MessageHeader."""

from __future__ import annotations

from lxml import etree

from exchange.extract.xmltext import leaf_fields, parse_date, parse_datetime
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


def message_header(element: etree._Element, spec: FormatSpec) -> MessageHeader | None:
    """The header of a MessageSpec element, or None when a field every header needs is missing or
    unreadable (the file's schema finding rejects it; there is nothing to validate against)."""
    values = leaf_fields(element, _FIELDS, _REPEATED)
    values["reporting_period"] = parse_date(values.get("reporting_period"))
    values["timestamp"] = parse_datetime(values.get("timestamp"))
    if any(values.get(name) is None for name in _REQUIRED):
        return None
    values["message_type"] = values.get("message_type") or ""
    return MessageHeader(**values, format_name=spec.name, format_version=spec.version)
