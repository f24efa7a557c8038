"""OECD Common Reporting Standard, XML schema v2.0."""

from exchange.formats.spec import FormatSpec

SPEC = FormatSpec(
    name="crs",
    version="2.0",
    namespace="urn:oecd:ties:crs:v2",
    root="CRS_OECD",
    schema_folder="crs_v2",
    schema_entry="crs.xsd",
    records=frozenset({"ReportingFI", "Sponsor", "Intermediary", "AccountReport", "PoolReport"}),
)
