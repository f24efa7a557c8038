"""US FATCA (IRS intergovernmental reporting), XML schema v2.0."""

from exchange.formats.spec import FormatSpec

SPEC = FormatSpec(
    name="fatca",
    version="2.0",
    namespace="urn:oecd:ties:fatca:v2",
    root="FATCA_OECD",
    schema_folder="fatca_v2",
    schema_entry="fatca.xsd",
    records=frozenset({"ReportingFI", "Sponsor", "Intermediary", "AccountReport", "PoolReport", "NilReport"}),
)
