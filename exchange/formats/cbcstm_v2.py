"""CbC status message v2.0: what we send back for a CbC file, and what partners send us about ours
(structure uncertain: exchange/formats/FACTS.md)."""

from exchange.formats.spec import FormatSpec

SPEC = FormatSpec(
    name="cbc_status",
    version="2.0",
    namespace="urn:oecd:ties:cbcstm:v2",
    root="CbCStatusMessage_OECD",
    schema_folder="cbcstm_v2",
    schema_entry="cbcstm.xsd",
    records=frozenset({"OriginalMessage", "FileError", "RecordError", "ValidationResult"}),
    kind="status",
)
