"""OECD Model Rules for Reporting by Platform Operators (EU DAC7), DPI XML schema v1.0."""

from exchange.formats.spec import FormatSpec

SPEC = FormatSpec(
    name="dpi",
    version="1.0",
    namespace="urn:oecd:ties:dpi:v1",
    root="DPI_OECD",
    schema_folder="dpi_v1",
    schema_entry="dpi.xsd",
    records=frozenset(
        {"PlatformOperator", "AssumingPlatformOperator", "AssumedPlatformOperator", "ReportableSeller"}
    ),
)
