"""OECD Common Reporting Standard as amended, XML schema v3.0 (reporting years from 2026)."""

from exchange.formats.spec import FormatSpec

SPEC = FormatSpec(
    name="crs",
    version="3.0",
    namespace="urn:oecd:ties:crs:v3",
    root="CRS_OECD",
    schema_folder="crs_v3",
    schema_entry="crs.xsd",
    records=frozenset({"ReportingFI", "Sponsor", "Intermediary", "AccountReport", "PoolReport"}),
)
