"""Format detection by the root element's namespace and version, and the schemas behind each format."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from exchange.errors import ConfigError
from exchange.formats import (
    by_namespace,
    cbc_v2,
    cbcstm_v2,
    crs_v2,
    crs_v3,
    csm_v2,
    detect,
    dpi_v1,
    dsm_v1,
    fatca_v2,
    find,
    load_schema,
    registered,
    schema_entry,
)
from exchange.formats.spec import FormatSpec
from exchange.validation.codes import FileErrorCode
from xsd import schema_folders

SAMPLES = {
    "samples/crs/valid-2.0.xml": crs_v2.SPEC,
    "samples/crs/korrekturmeldung.xml": crs_v2.SPEC,
    "samples/crs/valid-3.0.xml": crs_v3.SPEC,
    "ides/Sample.000000.00000.TA.124_Payload.xml": fatca_v2.SPEC,
}


@pytest.mark.parametrize(("sample", "spec"), SAMPLES.items(), ids=SAMPLES.keys())
def test_samples_are_recognised(sample: str, spec: FormatSpec, standards_dir: Path) -> None:
    detection = detect(standards_dir / sample)
    assert detection.recognised
    assert detection.spec == spec
    assert detection.namespace == spec.namespace
    assert detection.finding is None


@pytest.mark.parametrize("form", ["bytes", "path", "stream", "chunks"])
def test_detection_reads_every_kind_of_source(form: str, standards_dir: Path) -> None:
    path = standards_dir / "samples/crs/valid-2.0.xml"
    data = path.read_bytes()
    source = {
        "bytes": data,
        "path": path,
        "stream": io.BytesIO(data),
        "chunks": iter([data[i : i + 7] for i in range(0, len(data), 7)]),
    }[form]
    assert detect(source).spec == crs_v2.SPEC  # type: ignore[arg-type]


def test_detection_reads_only_the_beginning() -> None:
    class Endless(io.RawIOBase):
        reads = 0

        def readable(self) -> bool:
            return True

        def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
            self.reads += 1
            chunk = (
                b'<crs:CRS_OECD xmlns:crs="urn:oecd:ties:crs:v2" version="2.0">'
                if self.reads == 1
                else b"<x/>" * 1000
            )
            chunk = chunk[: len(buffer)]
            buffer[: len(chunk)] = chunk
            return len(chunk)

    stream = Endless()
    assert detect(stream).spec == crs_v2.SPEC
    assert stream.reads < 5


UNKNOWN = {
    "CARF": b'<carf:CARF_OECD xmlns:carf="urn:oecd:ties:carf:v1" version="1.0"/>',
    "no namespace": b"<CRS_OECD version='2.0'/>",
    "CRS v1": b'<CRS_OECD xmlns="urn:oecd:ties:crs:v1" version="1.0"/>',
    "wrong root in a known namespace": b'<crs:CRS xmlns:crs="urn:oecd:ties:crs:v2"/>',
    "version contradicting the namespace": b'<crs:CRS_OECD xmlns:crs="urn:oecd:ties:crs:v2" version="3.0"/>',
    "FATCA 1.1 in the v2 namespace": b'<f:FATCA_OECD xmlns:f="urn:oecd:ties:fatca:v2" version="1.1"/>',
}


@pytest.mark.parametrize("data", UNKNOWN.values(), ids=UNKNOWN.keys())
def test_what_cannot_be_placed_is_a_50007_finding(data: bytes) -> None:
    detection = detect(data)
    assert not detection.recognised
    assert detection.spec is None
    assert detection.finding is not None
    assert detection.finding.code == FileErrorCode.FAILED_SCHEMA_VALIDATION
    assert detection.finding.level == "file"
    assert detection.finding.line == 1


def test_unknown_namespace_message_names_it_and_what_is_known() -> None:
    finding = detect(UNKNOWN["CARF"]).finding
    assert finding is not None
    assert "urn:oecd:ties:carf:v1" in finding.message
    assert "urn:oecd:ties:crs:v2" in finding.message


@pytest.mark.parametrize("written", ["2.0", "2", "2.00", " 2.0 "])
def test_equivalent_ways_of_writing_the_version_are_accepted(written: str) -> None:
    data = f'<crs:CRS_OECD xmlns:crs="urn:oecd:ties:crs:v2" version="{written}"/>'.encode()
    assert detect(data).spec == crs_v2.SPEC


def test_a_missing_version_attribute_is_decided_by_the_namespace() -> None:
    assert detect(b'<crs:CRS_OECD xmlns:crs="urn:oecd:ties:crs:v3"/>').spec == crs_v3.SPEC


@pytest.mark.parametrize("data", [b"", b"   ", b"not xml at all", b"<unclosed", b"\x00\x01\x02"])
def test_non_xml_is_a_finding_not_an_exception(data: bytes) -> None:
    detection = detect(data)
    assert detection.finding is not None
    assert detection.finding.code == FileErrorCode.FAILED_SCHEMA_VALIDATION


def test_the_registry_holds_one_module_per_format() -> None:
    assert set(registered()) == {
        crs_v2.SPEC, crs_v3.SPEC, fatca_v2.SPEC, csm_v2.SPEC, dpi_v1.SPEC, dsm_v1.SPEC, cbc_v2.SPEC,
        cbcstm_v2.SPEC,
    }  # fmt: skip
    assert find("urn:oecd:ties:crs:v2", "CRS_OECD") == crs_v2.SPEC
    assert find("urn:oecd:ties:crs:v2", "CBC_OECD") is None
    assert by_namespace("urn:oecd:ties:csm:v2") == (csm_v2.SPEC,)


@pytest.mark.parametrize("spec", registered(), ids=lambda spec: spec.label)
def test_every_format_has_a_schema_in_the_product(spec: FormatSpec) -> None:
    assert spec.schema_folder in schema_folders()
    assert schema_entry(spec).name == spec.schema_entry
    assert load_schema(spec) is load_schema(spec)  # compiled once


@pytest.mark.parametrize("spec", [crs_v2.SPEC, fatca_v2.SPEC], ids=["crs_v2", "fatca_v2"])
def test_an_operator_can_point_at_the_official_schemas(spec: FormatSpec, standards_dir: Path) -> None:
    entry = schema_entry(spec, standards_dir / "xsd")
    assert entry.parent == (standards_dir / "xsd" / spec.schema_folder).resolve()
    assert entry.name in {"CrsXML_v2.0.xsd", "FatcaXML_v2.0.xsd"}  # found by the root it declares
    assert load_schema(spec, standards_dir / "xsd") is not load_schema(spec)


def test_a_schema_folder_without_the_format_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="crs_v2"):
        load_schema(crs_v2.SPEC, tmp_path)
    (tmp_path / "crs_v2").mkdir()
    (tmp_path / "crs_v2" / "other.xsd").write_text(
        '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:other"/>'
    )
    with pytest.raises(ConfigError, match="exactly one schema"):
        load_schema(crs_v2.SPEC, tmp_path)


def test_a_broken_operator_schema_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "crs_v2").mkdir()
    (tmp_path / "crs_v2" / "crs.xsd").write_text("<xs:schema")
    with pytest.raises(ConfigError, match="cannot be used"):
        load_schema(crs_v2.SPEC, tmp_path)
