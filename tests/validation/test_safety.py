"""Hostile and broken input: each threat ends in its finding (50005 threat, 50007 not a valid document),
never in an exception, and nothing is ever fetched."""

from __future__ import annotations

import random
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from exchange.settings import Settings
from exchange.validation.codes import FileErrorCode
from exchange.validation.schema import ValidationReport, validate

THREAT = FileErrorCode.FAILED_THREAT_SCAN
NOT_VALID = FileErrorCode.FAILED_SCHEMA_VALIDATION


@pytest.fixture
def sample(standards_dir: Path) -> bytes:
    return (standards_dir / "samples/crs/valid-2.0.xml").read_bytes()


@pytest.fixture
def listener() -> Iterator[tuple[socket.socket, int]]:
    """A local port that records whether anything connected to it."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(5)
    server.setblocking(False)
    try:
        yield server, server.getsockname()[1]
    finally:
        server.close()


def _nobody_connected(server: socket.socket) -> bool:
    time.sleep(0.05)
    try:
        connection, _ = server.accept()
    except BlockingIOError:
        return True
    connection.close()
    return False


def _codes(report: ValidationReport) -> list[int]:
    return [finding.code for finding in report.findings]


def _with_prolog(sample: bytes, doctype: str) -> bytes:
    return sample.replace(b"<crs:CRS_OECD", doctype.encode() + b"\n<crs:CRS_OECD", 1)


def test_a_doctype_is_a_threat(sample: bytes) -> None:
    report = validate(_with_prolog(sample, '<!DOCTYPE crs:CRS_OECD [<!ENTITY e "x">]>'))
    assert _codes(report) == [THREAT]
    assert report.findings[0].level == "file"


def test_a_malformed_doctype_is_still_a_threat(sample: bytes) -> None:
    report = validate(_with_prolog(sample, '<!DOCTYPE crs:CRS_OECD [<!ENTITY e "x" <!ELEMENT>]>'))
    assert _codes(report) == [THREAT]


def test_billion_laughs_is_a_threat_and_quick(sample: bytes) -> None:
    entities = '<!ENTITY lol0 "lol">' + "".join(
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)
    )
    data = _with_prolog(sample, f"<!DOCTYPE crs:CRS_OECD [{entities}]>").replace(
        b"Example Bank, S.A.", b"&lol9;"
    )
    started = time.perf_counter()
    report = validate(data)
    assert _codes(report) == [THREAT]
    assert time.perf_counter() - started < 2


@pytest.mark.parametrize("port", ["listener", "1"])
def test_an_external_entity_is_a_threat_and_never_fetched(
    port: str, sample: bytes, listener: tuple[socket.socket, int]
) -> None:
    server, free_port = listener
    url = f"http://127.0.0.1:{free_port if port == 'listener' else 1}/secret"
    data = _with_prolog(sample, f'<!DOCTYPE crs:CRS_OECD [<!ENTITY x SYSTEM "{url}">]>').replace(
        b"Example Bank, S.A.", b"&x;"
    )
    report = validate(data)
    assert _codes(report) == [THREAT]
    assert _nobody_connected(server)


def test_an_external_dtd_and_parameter_entities_are_threats_and_never_fetched(
    sample: bytes, listener: tuple[socket.socket, int]
) -> None:
    server, port = listener
    for doctype in (
        f'<!DOCTYPE crs:CRS_OECD SYSTEM "http://127.0.0.1:{port}/x.dtd">',
        f'<!DOCTYPE crs:CRS_OECD PUBLIC "-//X//Y" "http://127.0.0.1:{port}/y.dtd">',
        f'<!DOCTYPE crs:CRS_OECD [<!ENTITY % p SYSTEM "http://127.0.0.1:{port}/p"> %p;]>',
    ):
        assert _codes(validate(_with_prolog(sample, doctype))) == [THREAT], doctype
    assert _nobody_connected(server)


def test_a_local_file_entity_is_a_threat_and_its_content_never_shows(sample: bytes, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    data = _with_prolog(sample, f'<!DOCTYPE crs:CRS_OECD [<!ENTITY x SYSTEM "{secret.as_uri()}">]>').replace(
        b"Example Bank, S.A.", b"&x;"
    )
    report = validate(data)
    assert _codes(report) == [THREAT]
    assert "TOP-SECRET" not in repr(report)


def test_xinclude_is_a_threat_and_never_processed(sample: bytes, tmp_path: Path) -> None:
    secret = tmp_path / "secret.xml"
    secret.write_text("<x>TOP-SECRET-CONTENT</x>")
    include = f'<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="{secret.as_uri()}"/>'
    report = validate(sample.replace(b"<crs:Payment>", include.encode() + b"<crs:Payment>", 1))
    assert THREAT in _codes(report)
    assert report.findings[-1].line == 51
    assert "TOP-SECRET" not in repr(report)


def test_nesting_deeper_than_the_setting_is_a_threat(sample: bytes) -> None:
    depth = Settings().max_xml_depth
    deep = b"<crs:X>" * depth + b"</crs:X>" * depth
    report = validate(sample.replace(b"<crs:Payment>", b"<crs:Payment>" + deep, 1), max_depth=depth)
    assert report.findings[-1].code == THREAT
    assert f"more than {depth} deep" in report.findings[-1].message
    assert not report.complete


def test_nesting_beyond_the_parsers_own_limit_is_a_finding(sample: bytes) -> None:
    deep = b"<crs:X>" * 5000 + b"</crs:X>" * 5000
    report = validate(sample.replace(b"<crs:Payment>", b"<crs:Payment>" + deep, 1), max_depth=10_000)
    assert report.findings
    assert report.findings[-1].code in (THREAT, NOT_VALID)


def test_the_depth_limit_counts_from_the_root(sample: bytes) -> None:
    assert validate(sample, max_depth=8).valid  # the sample nests 8 deep
    assert _codes(validate(sample, max_depth=7))[-1] == THREAT


# Encoding decision (exchange.validation.safety): UTF-8, with or without a byte-order mark; nothing else.


def test_utf8_with_a_bom_is_accepted(sample: bytes) -> None:
    assert validate(b"\xef\xbb\xbf" + sample).valid


@pytest.mark.parametrize("declared", ["UTF-8", "utf-8", "Utf-8"])
def test_utf8_however_spelt_is_accepted(declared: str, sample: bytes) -> None:
    assert validate(sample.replace(b"encoding='UTF-8'", f"encoding='{declared}'".encode())).valid


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be", "utf-32"])
def test_well_formed_utf16_and_utf32_are_refused(codec: str, sample: bytes) -> None:
    name = codec.upper().replace("-LE", "").replace("-BE", "")
    data = sample.decode("utf-8").replace("encoding='UTF-8'", f"encoding='{name}'").encode(codec)
    report = validate(data)
    assert _codes(report) == [NOT_VALID]
    assert "UTF" in report.findings[0].message


@pytest.mark.parametrize("declared", ["ISO-8859-1", "windows-1252", "X-UNKNOWN-ENCODING"])
def test_another_declared_encoding_is_refused(declared: str, sample: bytes) -> None:
    report = validate(sample.replace(b"encoding='UTF-8'", f"encoding='{declared}'".encode()))
    assert _codes(report) == [NOT_VALID]
    assert declared in report.findings[0].message


def test_bytes_that_are_not_utf8_are_refused(sample: bytes) -> None:
    report = validate(sample.replace(b"Example Bank", b"Example \xe9 Bank"))
    assert _codes(report) == [NOT_VALID]
    assert report.findings[0].line == 16


def test_a_file_truncated_anywhere_is_refused(sample: bytes) -> None:
    for cut in range(1, len(sample) - 20, 61):
        report = validate(sample[:cut])
        assert report.findings, f"cut at {cut} passed"
        assert {finding.code for finding in report.findings} == {NOT_VALID}, cut


def test_a_truncated_file_says_so(sample: bytes) -> None:
    cut = sample.index(b"</crs:ReportingGroup>")
    report = validate(sample[:cut])
    assert "truncated" in report.findings[-1].message


@pytest.mark.parametrize(
    "change",
    [
        (b"</crs:Name>", b"</crs:Nome>"),
        (b"</crs:CRS_OECD>", b"</crs:CRS_OECD><x/>"),
        (b"Example Bank", b"Example & Bank"),
        (b"Example Bank", b"Example \x01 Bank"),
        (b"Example Bank", b"Example &undefined; Bank"),
        (b'issuedBy="ES"', b'issuedBy="ES" issuedBy="ES"'),
        (b"<crs:Name>Example", b"<zz:Name>Example"),
    ],
    ids=[
        "tag mismatch",
        "two roots",
        "bare ampersand",
        "control character",
        "undefined entity",
        "duplicate attribute",
        "undeclared prefix",
    ],
)
def test_malformed_xml_is_refused_with_a_line(change: tuple[bytes, bytes], sample: bytes) -> None:
    report = validate(sample.replace(*change, 1))
    assert report.findings
    assert {finding.code for finding in report.findings} == {NOT_VALID}
    assert all(finding.line for finding in report.findings)


def test_random_damage_never_raises(sample: bytes) -> None:
    rng = random.Random(4)  # fixed seed: the same damage on every run
    for _ in range(150):
        data = bytearray(sample)
        for _ in range(rng.randint(1, 5)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        report = validate(bytes(data), chunk_size=rng.choice([7, 512, 65536]))
        assert all(finding.code in (THREAT, NOT_VALID) for finding in report.findings)


def test_the_findings_do_not_depend_on_how_the_file_is_chunked(sample: bytes) -> None:
    inputs = [
        b"<r/>",
        b'<crs:CRS_OECD xmlns:crs="urn:oecd:ties:crs:v2"/>',
        b'<?xml version="1.0" encoding="ISO-8859-1"?><r/>',
        '<?xml version="1.0" encoding="UTF-16"?><r/>'.encode("utf-16"),
        _with_prolog(sample, '<!DOCTYPE crs:CRS_OECD [<!ENTITY e "x">]>'),
        sample[:2000],
        sample.replace(b"</crs:Name>", b"</crs:Nome>", 1),
        sample.replace(b"<crs:Type>CRS50", b"<crs:Type>CRS59"),
    ]
    for data in inputs:
        expected = [(f.code, f.line, f.path, f.message) for f in validate(data).findings]
        assert expected, data[:60]
        for chunk_size in (1, 3, 64, 4096):
            found = [
                (f.code, f.line, f.path, f.message) for f in validate(data, chunk_size=chunk_size).findings
            ]
            assert found == expected, (data[:60], chunk_size)
