"""CRS status message v2.0: what we send back, and what partners send us about our own files."""

from exchange.formats.spec import FormatSpec

SPEC = FormatSpec(
    name="crs_status",
    version="2.0",
    namespace="urn:oecd:ties:csm:v2",
    root="CRSStatusMessage_OECD",
    schema_folder="csm_v2",
    schema_entry="csm.xsd",
    records=frozenset({"OriginalMessage", "FileError", "RecordError", "ValidationResult"}),
    kind="status",
)
