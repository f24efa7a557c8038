"""No TIN, name, address or birth date reaches a log line, whichever way it is passed."""

from __future__ import annotations

import io
import json

import pytest

from exchange.logs import REDACTED, configure_logging, get_logger, scrub_text

PERSONAL = [
    "85073003328",
    "85.07.30-033.28",
    "111 222 333",
    "Janssens",
    "Kerkstraat 12",
    "1985-07-30",
    "30/07/1985",
]


def _log_lines(fmt: str = "json") -> tuple[io.StringIO, object]:
    stream = io.StringIO()
    configure_logging(level="debug", fmt=fmt, stream=stream)
    return stream, get_logger("test")


def test_personal_fields_are_redacted_by_name() -> None:
    stream, log = _log_lines()
    log.info(  # type: ignore[attr-defined]
        "party matched",
        tin="85073003328",
        last_name="Janssens",
        first_name="Els",
        address="Kerkstraat 12, 2000 Antwerpen",
        birth_date="1985-07-30",
        holder={"name": "Janssens", "tin": "85073003328"},
        file_id=42,
    )
    line = json.loads(stream.getvalue())
    assert line["tin"] == line["last_name"] == line["address"] == line["birth_date"] == REDACTED
    assert line["holder"] == REDACTED
    assert line["file_id"] == 42
    assert not any(value in stream.getvalue() for value in PERSONAL)


def test_free_text_is_scrubbed_of_tins_and_dates() -> None:
    stream, log = _log_lines()
    log.warning(  # type: ignore[attr-defined]
        "schema error",
        detail="Element 'TIN': '85.07.30-033.28' invalid; BSN 111 222 333; born 1985-07-30 or 30/07/1985",
    )
    assert not any(value in stream.getvalue() for value in PERSONAL[1:3] + PERSONAL[5:])
    assert "schema error" in stream.getvalue()


def test_exception_text_is_scrubbed() -> None:
    stream, log = _log_lines()
    try:
        raise ValueError("unexpected TIN 85073003328 born 1985-07-30")
    except ValueError:
        log.exception("load failed")  # type: ignore[attr-defined]
    output = stream.getvalue()
    assert "load failed" in output and "ValueError" in output
    assert "85073003328" not in output and "1985-07-30" not in output


def test_console_format_is_scrubbed_too() -> None:
    stream, log = _log_lines("console")
    log.info("x", tin="85073003328", note="see 85073003328")  # type: ignore[attr-defined]
    assert "85073003328" not in stream.getvalue()


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("MessageRefId BE2025NL0001 accepted", "BE2025NL0001"),
        ("took 1234 ms for 20000 records", "20000"),
        ("port 9092", "9092"),
    ],
)
def test_technical_text_survives(text: str, kept: str) -> None:
    assert kept in scrub_text(text)


def test_level_filter_applies() -> None:
    stream = io.StringIO()
    configure_logging(level="warning", fmt="json", stream=stream)
    get_logger("t").info("quiet")
    get_logger("t").warning("loud")
    assert "quiet" not in stream.getvalue() and "loud" in stream.getvalue()


INSTITUTION_IDENTIFIERS = [
    "000000.00000.TA.124",  # the IRS's test GIIN, which starts with digits
    "98Q96B.00000.LE.250",
    "S519K4.99999.SL.392",
    "NL2025BE0001234567",  # MessageRefId: sending country, year, receiving country, unique part
    "NL2024-00000017",  # DocRefId: starts with the sending country's code
    "20170518T120101782Z_000000.00000.TA.124.zip",  # an IDES packet name
]
REAL_TINS = ["85073003328", "85.07.30-033.28", "111222333", "111 222 333", "1960090900163"]


@pytest.mark.parametrize("identifier", INSTITUTION_IDENTIFIERS)
def test_institution_identifiers_survive_free_text(identifier: str) -> None:
    assert scrub_text(f"ReportingFI {identifier} sent a correction") == (
        f"ReportingFI {identifier} sent a correction"
    )


@pytest.mark.parametrize("tin", REAL_TINS)
def test_real_tins_go_even_beside_institution_identifiers(tin: str) -> None:
    text = scrub_text(f"FI 000000.00000.TA.124 in NL2025BE0001 reported TIN {tin} for NL")
    assert tin not in text and "[tin]" in text
    assert "000000.00000.TA.124" in text and "NL2025BE0001" in text and "for NL" in text


def test_institution_identifier_fields_are_kept() -> None:
    stream, log = _log_lines()
    log.info(  # type: ignore[attr-defined]
        "institution facts",
        **{"in": "000000.00000.TA.124"},
        giin="98Q96B.00000.LE.250",
        sender="NL",
        receiver="BE",
        message_ref_id="NL2025BE0001",
        tin="1960090900163",
    )
    line = json.loads(stream.getvalue())
    assert line["in"] == "000000.00000.TA.124" and line["giin"] == "98Q96B.00000.LE.250"
    assert (line["sender"], line["receiver"], line["message_ref_id"]) == ("NL", "BE", "NL2025BE0001")
    assert line["tin"] == REDACTED


def test_dates_are_dates() -> None:
    assert scrub_text("born 1985-07-30, 30/07/1985 or 30.07.1985") == "born [date], [date] or [date]"
