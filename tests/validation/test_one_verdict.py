"""One file, one verdict: the same bad documents through `exchange validate` and, signed into a packet by
the test, through `exchange process` give the same file error codes, and no record rule concludes from a
read cut short."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from pathlib import Path

import pytest

from crypto.xmlsafe import SafeXmlReader, XmlSyntaxError
from tests.validation.documents import lu_document, validate_json
from tests.validation.packets import Receiver, file_error_codes

NAME = "Peéters".encode()  # "é" makes the re-encoded documents differ from their UTF-8 form
BODY = b"<crs:CrsBody>"
# In the document's own namespace: inside a packet, unprefixed elements would fall into the enveloping
# Signature's default namespace, which the verifier refuses (50004) before any depth is reached.
DEEP = b"<crs:x>" * 10_000 + b"</crs:x>" * 10_000
# Over libxml2's 10,000,000 characters, and incompressible: a packet's inflation-ratio guard stays quiet.
LONG_TEXT = base64.b64encode(hashlib.shake_128(b"exchange").digest(7_500_003))
XINCLUDE = b'<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="file:///etc/passwd"/>'


def _replace(old: bytes, new: bytes) -> Callable[[bytes], bytes]:
    def change(xml: bytes) -> bytes:
        assert old in xml
        return xml.replace(old, new, 1)

    return change


def _encoded(encoding: str) -> Callable[[bytes], bytes]:
    """The same characters in another encoding, declared (expat reads it, and so C14N and the signature
    are unchanged)."""

    def change(xml: bytes) -> bytes:
        text = xml.decode("utf-8")
        if text.startswith("<?xml"):
            text = text[text.index("?>") + 2 :].lstrip()
        return f'<?xml version="1.0" encoding="{encoding}"?>\n{text}'.encode(encoding)

    return change


# name: (what is done to the document or to the signed file, the code expected). The change is made to the
# signed file: the signer itself refuses to sign most of these (and the re-encoded files keep a valid
# signature, since the canonical form is the same characters).
BAD: dict[str, tuple[Callable[[bytes], bytes], int]] = {
    "latin-1": (_encoded("ISO-8859-1"), 50007),
    "utf-16": (_encoded("UTF-16"), 50007),
    "nested-10000-deep": (_replace(BODY, BODY + DEEP), 50005),
    "nul-byte": (_replace(NAME, b"Pe\x00ters"), 50007),
    "invalid-utf-8": (_replace(NAME, b"Pe\xc3\x28ters"), 50007),
    "xinclude": (_replace(BODY, BODY + XINCLUDE), 50005),
    "text-over-libxml2s-limit": (_replace(NAME, LONG_TEXT), 50005),
}
# Well-formed, and so signed as it is: changed afterwards, its signature would fail first (50004).
SIGNED_AS_IS = {"text-over-libxml2s-limit"}
DOCUMENT = lu_document().replace(b"Peeters", NAME)


@pytest.fixture(autouse=True)
def _belgium_receives(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EXCHANGE_HOME_JURISDICTION", "BE")


def _validated(
    document: bytes, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> tuple[list[int], set[int]]:
    result = validate_json(document, tmp_path, capsys)
    file_codes = [f["code"] for f in result["findings"] if f["level"] == "file"]
    return file_codes, {f["code"] for f in result["findings"] if f["level"] == "record"}


def test_the_document_is_good_both_ways(
    belgium: Receiver, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _validated(DOCUMENT, tmp_path, capsys) == ([], set())
    exit_code, result = belgium.process(belgium.seal(DOCUMENT))
    assert (exit_code, result["findings"]) == (0, [])


@pytest.mark.parametrize("name", BAD)
def test_validate_and_process_give_the_same_codes(
    name: str, belgium: Receiver, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    change, code = BAD[name]
    validated, record_codes = _validated(change(DOCUMENT), tmp_path, capsys)
    signed_as_is = name in SIGNED_AS_IS
    packet = belgium.seal(
        change(DOCUMENT) if signed_as_is else DOCUMENT, change=None if signed_as_is else change
    )
    exit_code, result = belgium.process(packet)
    processed = file_error_codes(belgium.answer(result, "LU"))
    assert (validated, processed, exit_code) == ([code], [code], 1)
    assert not record_codes & {60015, 80015}  # nothing concluded from the cut


def test_a_threat_is_the_files_only_finding(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The x elements break the schema before they nest too deep: the threat scan comes first."""
    result = validate_json(BAD["nested-10000-deep"][0](DOCUMENT), tmp_path, capsys)
    (finding,) = result["findings"]
    assert finding["code"] == 50005 and "nested more than 64 deep" in finding["message"]


class _Ignore:
    def start(self, *args: object) -> None:
        return None

    def end(self, qname: str) -> None: ...

    def text(self, data: str) -> None: ...

    def comment(self, data: str) -> None: ...

    def pi(self, target: str, data: str) -> None: ...


@pytest.mark.parametrize(
    ("head", "refused"),
    [
        (b'<?xml version="1.0" encoding="ISO-8859-1"?>', True),
        (b"<?xml version='1.0' encoding='windows-1252'?>", True),
        ("<?xml version='1.0'?>".encode("utf-16"), True),
        ("<?xml version='1.0'?>".encode("utf-16-le"), True),
        (b'\xef\xbb\xbf<?xml version="1.0" encoding="UTF-8"?>', False),
        (b'<?xml version="1.0" encoding="utf-8"?>', False),
        (b"", False),
    ],
)
def test_the_packet_reader_applies_the_encoding_policy_however_the_bytes_come(
    head: bytes, refused: bool
) -> None:
    """Fed a byte at a time, the XML declaration never whole in one chunk."""
    document = head + ("<a>é</a>".encode() if not refused else b"")  # refused at the declaration
    reader = SafeXmlReader(_Ignore(), max_depth=8)
    try:
        for index in range(len(document)):
            reader.feed(document[index : index + 1])
        reader.close()
    except XmlSyntaxError as exc:
        assert refused and "not in UTF-8" in str(exc)
    else:
        assert not refused
