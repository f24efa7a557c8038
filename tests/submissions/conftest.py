"""A Belgian institution's submissions to BE, and reading BE's signed answer as the institution does."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from lxml import etree

from crypto.dsig_verify import SignerPolicy, VerifiedDocument
from crypto.provision import AuthorityFolders
from crypto.validity import ReceiptClock
from exchange.formats import csm_v2
from exchange.formats.schemas import load_schema
from exchange.records import TIN, AccountReport, Address, MessageHeader, Party, ReportingFI
from exchange.writers.crs import crs_bytes
from tests.pipeline.conftest import be_settings, benelux  # noqa: F401  (fixtures)
from tests.rules import builders

CSM = "urn:oecd:ties:csm:v2"
INSTITUTION = "0403019261"  # the Belgian enterprise number of the reporting bank (check digits hold)
GIIN = "98Q96B.00000.LE.056"


def bank(
    *ins: TIN, countries: tuple[str, ...] = ("BE",), doc_ref_id: str = "BE2025-0403019261-FI1"
) -> ReportingFI:
    """The reporting bank: Belgian, with its enterprise number (and a GIIN)."""
    identifiers = ins or (TIN(INSTITUTION, issued_by="BE"), TIN(GIIN, issued_by="US", in_type="GIIN"))
    return replace(builders.reporting_fi(doc_ref_id, countries=countries), ins=identifiers)


def holder_in(country: str) -> Party:
    return replace(builders.person(countries=(country,)), addresses=(Address(country, free="Somewhere 1"),))


def report(
    doc_ref_id: str, country: str = "NL", indic: str = "OECD1", corr: str | None = None
) -> AccountReport:
    return builders.account_report(doc_ref_id, indic, corr=corr, holder=holder_in(country))


def submission(
    *reports: AccountReport,
    message_ref_id: str = "BE2025BE-0403019261-1",
    institution: str | None = INSTITUTION,
    fi: ReportingFI | None = None,
    indic: str = "CRS701",
    transmitting: str = "BE",
    header: MessageHeader | None = None,
) -> bytes:
    """A CRS v2 document from a Belgian bank to its own authority (BE to BE)."""
    head = header or replace(
        builders.header(indic, transmitting=transmitting, receiving="BE", message_ref_id=message_ref_id),
        sending_company_in=institution,
    )
    return crs_bytes(head, fi or bank(), reports or (report("BE2025-0403019261-AR1"),))


def read_answer(answer: bytes, authority: AuthorityFolders) -> etree._Element:
    """What the institution sees: BE's signature verified with BE's certificate, the CSM schema-checked."""
    certificates = [pair.certificate for pair in authority.keyring().pairs("BE") if pair.certificate]
    policy = SignerPolicy("BE", certificates, ReceiptClock(datetime.now(UTC)))
    verified = VerifiedDocument([answer], policy, max_depth=64)
    document = b"".join(verified)
    assert verified.verdict is not None
    message = etree.fromstring(document)
    load_schema(csm_v2.SPEC).assertValid(message)
    return message


def status_of(message: etree._Element) -> str:
    return str(message.findtext(f".//{{{CSM}}}ValidationResult/{{{CSM}}}Status"))


def codes_of(message: etree._Element, kind: str) -> list[int]:
    return [int(str(code.text)) for code in message.iterfind(f".//{{{CSM}}}{kind}/{{{CSM}}}Code")]
