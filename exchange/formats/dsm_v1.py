"""DPI status message v1.0: what we send back for a DPI file, and what partners send us about ours
(structure and namespace uncertain: exchange/formats/FACTS.md)."""

from exchange.formats.spec import FormatSpec

SPEC = FormatSpec(
    name="dpi_status",
    version="1.0",
    namespace="urn:oecd:ties:dsm:v1",
    root="DPIStatusMessage_OECD",
    schema_folder="dsm_v1",
    schema_entry="dsm.xsd",
    records=frozenset({"OriginalMessage", "FileError", "RecordError", "ValidationResult"}),
    kind="status",
)
