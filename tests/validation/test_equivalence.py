"""Our CRS v2.0, FATCA v2.0, DPI v1.0 and CbC v2.0 schemas give the official schemas' verdict on every
document of a corpus.

The corpus (see `corpus.py`) is built at test time from the official samples and from both schemas read
as structure descriptions: generated documents of every shape, one per code value, and systematic
mutations. Its size is printed, recorded as a test property and shown in the terminal summary.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from lxml import etree

from exchange.validation.schema import validate
from tests.validation.corpus import Mutator, generated_documents
from tests.validation.xsdmodel import SchemaModel
from xsd import schema_file

RecordProperty = Callable[[str, object], None]
STREAM_SAMPLE_EVERY = 25  # every 25th document also goes through the product's streaming validator


@dataclass(frozen=True)
class Format:
    name: str
    namespace: str
    root: str
    version: str
    foreign_namespace: str  # a near miss: the same root in another version's namespace
    official_entry: str
    our_folder: str
    our_entry: str
    samples: tuple[str, ...]


CRS_V2 = Format(
    name="crs_v2",
    namespace="urn:oecd:ties:crs:v2",
    root="CRS_OECD",
    version="2.0",
    foreign_namespace="urn:oecd:ties:crs:v3",
    official_entry="xsd/crs_v2/CrsXML_v2.0.xsd",
    our_folder="crs_v2",
    our_entry="crs.xsd",
    samples=("samples/crs/valid-2.0.xml", "samples/crs/korrekturmeldung.xml"),
)
FATCA_V2 = Format(
    name="fatca_v2",
    namespace="urn:oecd:ties:fatca:v2",
    root="FATCA_OECD",
    version="2.0",
    foreign_namespace="urn:oecd:ties:fatca:v1",
    official_entry="xsd/fatca_v2/FatcaXML_v2.0.xsd",
    our_folder="fatca_v2",
    our_entry="fatca.xsd",
    samples=("ides/Sample.000000.00000.TA.124_Payload.xml",),
)
DPI_V1 = Format(
    name="dpi_v1",
    namespace="urn:oecd:ties:dpi:v1",
    root="DPI_OECD",
    version="1.0",
    foreign_namespace="urn:oecd:ties:dpi:v2",
    official_entry="xsd/dpi_v1/DPIXML_v1.0.xsd",
    our_folder="dpi_v1",
    our_entry="dpi.xsd",
    samples=("samples/dpi/SubmissionSample.xml", "samples/dpi/SubmissionSampleAssumed.xml"),
)
CBC_V2 = Format(
    name="cbc_v2",
    namespace="urn:oecd:ties:cbc:v2",
    root="CBC_OECD",
    version="2.0",
    foreign_namespace="urn:oecd:ties:cbc:v1",
    official_entry="xsd/cbc_v2/CbcXML_v2.0.xsd",
    our_folder="cbc_v2",
    our_entry="cbc.xsd",
    samples=(
        "samples/cbc/cbcr-valid.xml",
        "samples/cbc/cbcr-valid-2.xml",
        "samples/cbc/cbcr-OECD0[1]-valid.xml",
        "samples/cbc/cbcr-full-deletion.xml",
        "samples/cbc/cbcr-partial-deletion.xml",
    ),
)


@dataclass
class Tally:
    documents: int = 0
    valid: int = 0
    streamed: int = 0
    mismatches: list[str] = field(default_factory=list)
    generator_errors: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{self.documents} documents ({self.valid} valid, {self.documents - self.valid} invalid), "
            f"{self.streamed} also through the streaming validator"
        )


def corpus(fmt: Format, standards_dir: Path) -> Iterator[tuple[str, etree._Element, bool]]:
    """(label, document, whether the official schema must accept it) for every document of the corpus.

    The document is only valid in the state it has when yielded: mutations are undone afterwards.
    """
    official = SchemaModel(standards_dir / fmt.official_entry)
    ours = SchemaModel(Path(str(schema_file(fmt.our_folder, fmt.our_entry))))
    mutator = Mutator(sorted(set(official.namespaces) | set(ours.namespaces)), fmt.foreign_namespace)
    for sample in fmt.samples:
        root = etree.parse(str(standards_dir / sample)).getroot()
        yield sample, root, True
        trimmed = trim_repeats(root)
        for change in mutator.mutations(trimmed, None):
            yield f"{sample} (trimmed): {change}", trimmed, False
    for label, model in (("official-model", official), ("our-model", ours)):
        for generated in generated_documents(model, model.root(fmt.namespace, fmt.root), fmt.version, label):
            yield generated.label, generated.root, label == "official-model"
            if " code " in generated.label or "maximal" in generated.label:
                continue  # code documents and the largest shape are checked whole, not mutated
            for change in mutator.mutations(generated.root, generated.typing):
                yield f"{generated.label}: {change}", generated.root, False


def trim_repeats(root: etree._Element, keep: int = 3) -> etree._Element:
    """A copy of a sample with at most `keep` consecutive same-named siblings: the same shapes to mutate,
    without mutating each of the IRS sample's hundreds of account reports."""
    copy = etree.fromstring(etree.tostring(root))
    for parent in list(copy.iter()):
        run_tag, run = None, 0
        for child in list(parent):
            run = run + 1 if child.tag == run_tag else 1
            run_tag = child.tag
            if run > keep:
                parent.remove(child)
    return copy


def compare(
    fmt: Format,
    standards_dir: Path,
    official: etree.XMLSchema,
    ours: etree.XMLSchema,
    *,
    until_first: bool = False,
) -> Tally:
    tally = Tally()
    for label, root, must_be_valid in corpus(fmt, standards_dir):
        tally.documents += 1
        official_verdict = official.validate(root)
        our_verdict = ours.validate(root)
        tally.valid += official_verdict
        if must_be_valid and not official_verdict:
            tally.generator_errors.append(f"{label}: {official.error_log.last_error}")
        if official_verdict != our_verdict:
            why = official.error_log.last_error if not official_verdict else ours.error_log.last_error
            tally.mismatches.append(f"{label}: official {official_verdict}, ours {our_verdict} ({why})")
            if until_first:
                break
        if tally.documents % STREAM_SAMPLE_EVERY == 0:
            tally.streamed += 1
            _compare_streaming(label, etree.tostring(root), official, standards_dir, tally)
    return tally


def _compare_streaming(
    label: str, data: bytes, official: etree.XMLSchema, standards_dir: Path, tally: Tally
) -> None:
    # The verdict on the bytes, not on the tree: serialising can change a tree (lxml does not write
    # xmlns="" for a namespace-less child of a default-namespace parent, so re-reading moves it).
    tree_verdict = official.validate(etree.fromstring(data))
    with_ours = validate(data)
    with_official = validate(data, schema_dir=standards_dir / "xsd")
    if with_ours.valid != with_official.valid:
        tally.mismatches.append(
            f"{label}: streaming with the official schema {with_official.valid}, ours {with_ours.valid}"
        )
    elif with_ours.detection.recognised and with_ours.valid != tree_verdict:
        tally.mismatches.append(
            f"{label}: streaming verdict {with_ours.valid}, whole-tree verdict {tree_verdict}"
        )


def _check(fmt: Format, tally: Tally, record_property: RecordProperty) -> None:
    # The root conftest prints this in the run's summary, with or without pytest-xdist.
    record_property("summary", f"{fmt.name} equivalence corpus: {tally.summary()}")
    assert not tally.generator_errors, "generated documents the official schema rejects:\n" + "\n".join(
        tally.generator_errors[:10]
    )
    assert not tally.mismatches, f"{len(tally.mismatches)} verdicts differ:\n" + "\n".join(
        tally.mismatches[:15]
    )
    # A corpus of only valid or only invalid documents would prove little.
    assert tally.documents >= 1000
    assert tally.valid >= 200 and tally.documents - tally.valid >= 500


FORMATS = [pytest.param(fmt, id=fmt.name) for fmt in (CRS_V2, FATCA_V2, DPI_V1, CBC_V2)]


def _schemas(fmt: Format, request: pytest.FixtureRequest) -> tuple[etree.XMLSchema, etree.XMLSchema]:
    """The official schema and ours, from the session fixtures `official_<name>` and `our_<name>`."""
    official: etree.XMLSchema = request.getfixturevalue(f"official_{fmt.name}")
    ours: etree.XMLSchema = request.getfixturevalue(f"our_{fmt.name}")
    return official, ours


@pytest.mark.parametrize("fmt", FORMATS)
def test_our_schema_gives_the_official_verdicts(
    fmt: Format, standards_dir: Path, request: pytest.FixtureRequest, record_property: RecordProperty
) -> None:
    official, ours = _schemas(fmt, request)
    _check(fmt, compare(fmt, standards_dir, official, ours), record_property)


# The proof is only as good as its corpus: one small deliberate difference in our schema must show.
SABOTAGES = [
    pytest.param(
        CRS_V2,
        "commontypes.xsd",
        '<xs:fractionDigits value="2"/>',
        '<xs:fractionDigits value="3"/>',
        id="crs-a-facet",
    ),
    pytest.param(CRS_V2, "iso.xsd", '<xs:enumeration value="XK"/>', "", id="crs-a-code-value"),
    pytest.param(
        CRS_V2,
        "crs.xsd",
        'name="Nationality" type="iso:CountryCode_Type" minOccurs="0" maxOccurs="unbounded"',
        'name="Nationality" type="iso:CountryCode_Type" minOccurs="0" maxOccurs="3"',
        id="crs-an-occurrence-bound",
    ),
    pytest.param(
        DPI_V1,
        "dpi.xsd",
        '<xs:totalDigits value="4"/>',
        '<xs:totalDigits value="5"/>',
        id="dpi-rented-days-digits",
    ),
    pytest.param(DPI_V1, "iso.xsd", '<xs:enumeration value="X5"/>', "", id="dpi-a-country-code"),
    pytest.param(
        DPI_V1,
        "dpi.xsd",
        '<xs:element name="LandRegistrationNumber" type="stf:StringMin1Max200_Type" minOccurs="0"/>',
        '<xs:element name="LandRegistrationNumber" type="stf:StringMin1Max200_Type"/>',
        id="dpi-an-optional-element",
    ),
]


@pytest.mark.parametrize(("fmt", "filename", "old", "new"), SABOTAGES)
def test_the_corpus_notices_a_schema_that_differs(
    fmt: Format,
    filename: str,
    old: str,
    new: str,
    standards_dir: Path,
    request: pytest.FixtureRequest,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    official, _ = _schemas(fmt, request)
    folder = tmp_path / fmt.our_folder
    folder.mkdir()
    for source in Path(str(schema_file(fmt.our_folder, fmt.our_entry))).parent.glob("*.xsd"):
        text = source.read_text(encoding="utf-8")
        if source.name == filename:
            assert old in text
            text = text.replace(old, new, 1)
        (folder / source.name).write_text(text, encoding="utf-8")
    monkeypatch.setattr(f"{__name__}.STREAM_SAMPLE_EVERY", 10**9)
    sabotaged = etree.XMLSchema(etree.parse(str(folder / fmt.our_entry)))
    tally = compare(fmt, standards_dir, official, sabotaged, until_first=True)
    assert tally.mismatches
