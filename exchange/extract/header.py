"""MessageSpec → MessageHeader."""

from __future__ import annotations

from lxml import etree

from exchange.extract.xmltext import child_text, child_texts, parse_date, parse_datetime
from exchange.formats.spec import FormatSpec
from exchange.records import MessageHeader


def message_header(element: etree._Element, spec: FormatSpec) -> MessageHeader | None:
    """The header of a MessageSpec element, or None when a field every header needs is missing or
    unreadable (the file's schema finding rejects it; there is nothing to validate against)."""
    transmitting = child_text(element, "TransmittingCountry")
    receiving = child_text(element, "ReceivingCountry")
    message_ref_id = child_text(element, "MessageRefId")
    reporting_period = parse_date(child_text(element, "ReportingPeriod"))
    timestamp = parse_datetime(child_text(element, "Timestamp"))
    if (
        transmitting is None
        or receiving is None
        or message_ref_id is None
        or reporting_period is None
        or timestamp is None
    ):
        return None
    return MessageHeader(
        message_type=child_text(element, "MessageType") or "",
        transmitting_country=transmitting,
        receiving_country=receiving,
        message_ref_id=message_ref_id,
        reporting_period=reporting_period,
        timestamp=timestamp,
        message_type_indic=child_text(element, "MessageTypeIndic"),
        corr_message_ref_ids=child_texts(element, "CorrMessageRefId"),
        sending_company_in=child_text(element, "SendingCompanyIN"),
        warning=child_text(element, "Warning"),
        contact=child_text(element, "Contact"),
        format_name=spec.name,
        format_version=spec.version,
    )
