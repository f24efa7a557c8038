"""Fixtures of the validation tests: the schemas, compiled once per session, and the corpus figures."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from exchange.formats import crs_v2, crs_v3, csm_v2, fatca_v2, load_schema
from xsd import schema_file

# Figures the equivalence tests report at the end of the run (corpus sizes and verdicts).


def _official(standards_dir: Path, folder: str, entry: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(standards_dir / "xsd" / folder / entry)))


@pytest.fixture(scope="session")
def official_crs_v2(standards_dir: Path) -> etree.XMLSchema:
    return _official(standards_dir, "crs_v2", "CrsXML_v2.0.xsd")


@pytest.fixture(scope="session")
def official_fatca_v2(standards_dir: Path) -> etree.XMLSchema:
    return _official(standards_dir, "fatca_v2", "FatcaXML_v2.0.xsd")


@pytest.fixture(scope="session")
def official_dpi_v1(standards_dir: Path) -> etree.XMLSchema:
    return _official(standards_dir, "dpi_v1", "DPIXML_v1.0.xsd")


@pytest.fixture(scope="session")
def our_dpi_v1() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(schema_file("dpi_v1", "dpi.xsd"))))


@pytest.fixture(scope="session")
def official_cbc_v2(standards_dir: Path) -> etree.XMLSchema:
    return _official(standards_dir, "cbc_v2", "CbcXML_v2.0.xsd")


@pytest.fixture(scope="session")
def our_cbc_v2() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(schema_file("cbc_v2", "cbc.xsd"))))


@pytest.fixture(scope="session")
def our_crs_v2() -> etree.XMLSchema:
    return load_schema(crs_v2.SPEC)


@pytest.fixture(scope="session")
def our_crs_v3() -> etree.XMLSchema:
    return load_schema(crs_v3.SPEC)


@pytest.fixture(scope="session")
def our_fatca_v2() -> etree.XMLSchema:
    return load_schema(fatca_v2.SPEC)


@pytest.fixture(scope="session")
def our_csm_v2() -> etree.XMLSchema:
    return load_schema(csm_v2.SPEC)


# The Benelux of the pipeline tests (real keys for BE, NL and LU), and Belgium receiving through
# `exchange process`, for the tests that send packets.
from tests.pipeline.conftest import benelux  # noqa: E402, F401
from tests.validation.packets import belgium  # noqa: E402, F401
