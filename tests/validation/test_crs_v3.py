"""Our CRS v3.0 schema (no official text exists here): the official v3.0 sample, the v3.0 additions of
FACTS.md §2, and v2.0 and v3.0 documents told apart."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from lxml import etree

from exchange.formats import crs_v3
from exchange.validation.schema import validate
from tests.validation.corpus import DocumentBuilder, enumerated_types
from tests.validation.xsdmodel import SchemaModel
from xsd import schema_file

V3 = "urn:oecd:ties:crs:v3"
C = f"{{{V3}}}"


@pytest.fixture
def v3_sample(standards_dir: Path) -> etree._Element:
    return etree.parse(str(standards_dir / "samples/crs/valid-3.0.xml")).getroot()


def test_the_official_v3_sample_validates_with_no_finding(standards_dir: Path) -> None:
    report = validate(standards_dir / "samples/crs/valid-3.0.xml")
    assert report.spec == crs_v3.SPEC
    assert report.findings == ()


@pytest.mark.parametrize("sample", ["samples/crs/valid-2.0.xml", "samples/crs/korrekturmeldung.xml"])
def test_a_v2_document_is_rejected_by_the_v3_schema(
    sample: str, standards_dir: Path, our_crs_v3: etree.XMLSchema, our_crs_v2: etree.XMLSchema
) -> None:
    document = etree.parse(str(standards_dir / sample))
    assert our_crs_v2.validate(document)
    assert not our_crs_v3.validate(document)


def test_a_v3_document_is_rejected_by_the_v2_schema(
    v3_sample: etree._Element, our_crs_v2: etree.XMLSchema, our_crs_v3: etree.XMLSchema
) -> None:
    assert our_crs_v3.validate(v3_sample)
    assert not our_crs_v2.validate(v3_sample)


def test_v3_content_under_the_v2_namespace_is_rejected_by_the_v2_schema(
    v3_sample: etree._Element, our_crs_v2: etree.XMLSchema
) -> None:
    text = etree.tostring(v3_sample).replace(V3.encode(), b"urn:oecd:ties:crs:v2").replace(b'"3.0"', b'"2.0"')
    assert not our_crs_v2.validate(etree.fromstring(text))


def _first(root: etree._Element, name: str) -> etree._Element:
    found = root.find(f".//{C}{name}")
    assert found is not None
    return found


def _drop(name: str) -> Callable[[etree._Element], None]:
    def change(root: etree._Element) -> None:
        element = _first(root, name)
        element.getparent().remove(element)  # type: ignore[union-attr]

    return change


def _set(name: str, value: str) -> Callable[[etree._Element], None]:
    def change(root: etree._Element) -> None:
        _first(root, name).text = value

    return change


def _add_after(name: str, new: str, value: str) -> Callable[[etree._Element], None]:
    def change(root: etree._Element) -> None:
        element = etree.Element(f"{C}{new}")
        element.text = value
        _first(root, name).addnext(element)

    return change


def _joint_account(number: str) -> Callable[[etree._Element], None]:
    def change(root: etree._Element) -> None:
        joint = etree.Element(f"{C}JointAccount")
        etree.SubElement(joint, f"{C}Number").text = number
        _first(root, "AccountType").addnext(joint)

    return change


ACCEPTED = {
    "every DDProcedure code": _set("DDProcedure", "CRS1200"),
    "AccountType not reported": _set("AccountType", "CRS1100"),
    "a second CtrlgPersonType": _add_after("CtrlgPersonType", "CtrlgPersonType", "CRS800"),
    "a second EquityInterestType": _add_after("EquityInterestType", "EquityInterestType", "CRS410"),
    "a joint account of 2": _joint_account("2"),
    "a joint account of 200": _joint_account("200"),
    "the holder's self-certification not reported": _set("SelfCert", "CRS900"),
}
REJECTED = {
    "no SelfCert for the holder": _drop("SelfCert"),
    "no DDProcedure": _drop("DDProcedure"),
    "no AccountType": _drop("AccountType"),
    "no CtrlgPersonType": _drop("CtrlgPersonType"),
    "an unknown AccountType": _set("AccountType", "CRS1105"),
    "an unknown EquityInterestType": _set("EquityInterestType", "CRS411"),
    "a holder SelfCert code for a controlling person": lambda root: setattr(
        root.find(f".//{C}ControllingPerson/{C}SelfCert"), "text", "CRS901"
    ),
    "no SelfCert for the controlling person": lambda root: root.find(f".//{C}ControllingPerson").remove(
        root.find(f".//{C}ControllingPerson/{C}SelfCert")
    ),
    "a joint account of 0": _joint_account("0"),
    "a joint account of 201": _joint_account("201"),
    "DDProcedure after AccountType": lambda root: _first(root, "AccountType").addnext(
        _first(root, "DDProcedure")
    ),
}


@pytest.mark.parametrize("change", ACCEPTED.values(), ids=ACCEPTED.keys())
def test_v3_additions_accept(
    change: Callable[[etree._Element], None], v3_sample: etree._Element, our_crs_v3: etree.XMLSchema
) -> None:
    change(v3_sample)
    assert our_crs_v3.validate(v3_sample), our_crs_v3.error_log.last_error


@pytest.mark.parametrize("change", REJECTED.values(), ids=REJECTED.keys())
def test_v3_additions_reject(
    change: Callable[[etree._Element], None], v3_sample: etree._Element, our_crs_v3: etree.XMLSchema
) -> None:
    change(v3_sample)
    assert not our_crs_v3.validate(v3_sample)


def test_e_money_accounts_are_v3_only(
    v3_sample: etree._Element, standards_dir: Path, our_crs_v2: etree.XMLSchema, our_crs_v3: etree.XMLSchema
) -> None:
    assert any(number.get("AcctNumberType") == "OECD606" for number in v3_sample.iter(f"{C}AccountNumber"))
    assert our_crs_v3.validate(v3_sample)
    v2 = etree.parse(str(standards_dir / "samples/crs/valid-2.0.xml")).getroot()
    v2.find(".//{urn:oecd:ties:crs:v2}AccountNumber").set("AcctNumberType", "OECD606")  # type: ignore[union-attr]
    assert not our_crs_v2.validate(v2)


def test_every_shape_and_code_our_v3_schema_describes_is_valid(our_crs_v3: etree.XMLSchema) -> None:
    """Self-consistency: documents generated from the v3 schema, in every size and with every code value."""
    model = SchemaModel(Path(str(schema_file("crs_v3", "crs.xsd"))))
    root = model.root(V3, "CRS_OECD")
    builders = [
        DocumentBuilder(model, root, mode=mode, seed=seed, version="3.0")
        for mode in ("minimal", "full", "maximal")
        for seed in (0, 1)
    ]
    for key, values in enumerated_types(model, root).items():
        builders += [
            DocumentBuilder(model, root, mode="full", force={key: value}, version="3.0") for value in values
        ]
    for builder in builders:
        document = builder.build()
        assert our_crs_v3.validate(document), our_crs_v3.error_log.last_error
    assert len(builders) > 500
