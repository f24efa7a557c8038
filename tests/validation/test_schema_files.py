"""The project's schema files: found through the `xsd` package, self-contained, and written by us."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from lxml import etree

from xsd import schema_file, schema_folders, schema_root

OURS = ("crs_v2", "crs_v3", "fatca_v2", "csm_v2")
XS = "{http://www.w3.org/2001/XMLSchema}"


def _our_files() -> list[Path]:
    root = Path(str(schema_root()))
    return sorted(path for folder in OURS for path in (root / folder).glob("*.xsd"))


def test_the_schema_folders_are_shipped() -> None:
    assert set(OURS) <= set(schema_folders())
    assert schema_file("crs_v2", "crs.xsd").is_file()
    with pytest.raises(FileNotFoundError):
        schema_file("crs_v2", "CrsXML_v2.0.xsd")


@pytest.mark.parametrize("path", _our_files(), ids=lambda path: f"{path.parent.name}/{path.name}")
def test_each_file_is_self_contained(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert "<!DOCTYPE" not in text
    document = etree.parse(str(path))
    for reference in document.getroot().iter(f"{XS}import", f"{XS}include"):
        location = reference.get("schemaLocation", "")
        assert "://" not in location and not location.startswith("/") and ".." not in location, location
        assert (path.parent / location).is_file(), location


def _official_texts(standards_dir: Path) -> set[str]:
    """Every sentence of documentation or comment in the official schemas, whitespace normalised."""
    texts: set[str] = set()
    for path in (standards_dir / "xsd").glob("*/*.xsd"):
        document = etree.parse(str(path))
        for node in document.iter(f"{XS}documentation", etree.Comment):
            text = " ".join((node.text or "").split())
            texts.update(sentence for sentence in re.split(r"(?<=[.:;])\s", text) if len(sentence) >= 40)
    return texts


def test_our_schemas_do_not_copy_the_official_text(standards_dir: Path) -> None:
    official_files = {path.read_bytes() for path in (standards_dir / "xsd").glob("*/*.xsd")}
    official_texts = _official_texts(standards_dir)
    assert len(official_texts) > 100
    for path in _our_files():
        data = path.read_bytes()
        assert data not in official_files, path
        ours = " ".join(data.decode("utf-8").split())
        copied = [text for text in official_texts if text in ours]
        assert not copied, f"{path.name} repeats official text: {copied[:3]}"
        assert "XMLSpy" not in ours and "edited with" not in ours
