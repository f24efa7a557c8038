"""OECD Country-by-Country Reporting (BEPS Action 13, EU DAC4), CbC XML schema v2.0."""

from exchange.formats.spec import FormatSpec

SPEC = FormatSpec(
    name="cbc",
    version="2.0",
    namespace="urn:oecd:ties:cbc:v2",
    root="CBC_OECD",
    schema_folder="cbc_v2",
    schema_entry="cbc.xsd",
    records=frozenset({"ReportingEntity", "CbcReports", "AdditionalInfo"}),
)
