"""Packet throughput: open + verify against a plain `cryptography` decrypt of the same packet.

Prints one line per case: document size, packet size, seconds, MB/s (of the inflated document, for
every case, so the lines compare) and the peak RSS of the child process that ran the case alone.
Run: `.venv/bin/python bench/packets.py [SIZE_MB ...]` (default 10 100). Figures only: nothing here
asserts a time.
"""

from __future__ import annotations

import hashlib
import json
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

CHUNK = 1 << 16
MB = 1_000_000
HEAD = (
    '<crs:CRS_OECD xmlns:crs="urn:oecd:ties:crs:v2" xmlns:stf="urn:oecd:ties:crsstf:v5" version="2.0">'
    "<crs:MessageSpec><crs:TransmittingCountry>NL</crs:TransmittingCountry><crs:ReceivingCountry>BE"
    "</crs:ReceivingCountry><crs:MessageType>CRS</crs:MessageType><crs:MessageRefId>NL2024BE1</crs:MessageRefId>"
    "</crs:MessageSpec><crs:CrsBody>"
)
RECORD = (
    "<crs:AccountReport><crs:DocSpec><stf:DocTypeIndic>OECD1</stf:DocTypeIndic><stf:DocRefId>NL2024-{n}"
    '</stf:DocRefId></crs:DocSpec><crs:AccountNumber AcctNumberType="OECD605">ACC{n:09d}</crs:AccountNumber>'
    '<crs:AccountHolder><crs:Individual><crs:ResCountryCode>BE</crs:ResCountryCode><crs:TIN issuedBy="BE">'
    "{tin:011d}</crs:TIN><crs:Name><crs:FirstName>Zoë</crs:FirstName><crs:LastName>Peeters-{n}</crs:LastName>"
    "</crs:Name><crs:Address><crs:CountryCode>BE</crs:CountryCode><crs:AddressFree>Rue {n} &amp; Co, 1000 "
    "Bruxelles</crs:AddressFree></crs:Address></crs:Individual></crs:AccountHolder>"
    '<crs:AccountBalance currCode="EUR">{n}.{c:02d}</crs:AccountBalance></crs:AccountReport>\n'
)


def write_document(path: Path, size: int) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.write(HEAD)
        written, n = len(HEAD), 0
        while written < size:
            record = RECORD.format(n=n, tin=85073003328 + n * 7919, c=n % 100)
            out.write(record)
            written += len(record)
            n += 1
        out.write("</crs:CrsBody></crs:CRS_OECD>")


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports kB


def child_open(packet: Path, data_dir: Path) -> dict[str, float]:
    from crypto.packet_open import ReceivingContext, open_packet
    from exchange.logs import configure_logging
    from exchange.settings import Settings

    configure_logging("error")
    context = ReceivingContext.from_settings(Settings(data_dir=data_dir))
    started = time.perf_counter()
    digest = hashlib.sha256()
    with open_packet(packet, context) as opened:
        size = 0
        while chunk := opened.stream.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
        opened.verdict()
    return {"seconds": time.perf_counter() - started, "bytes": size}


def child_decrypt(packet: Path, data_dir: Path) -> dict[str, float]:
    """The floor: RSA unwrap and AES-256-CBC over the same payload with `cryptography` alone."""
    key_file = next((data_dir / "keys" / "BE").glob("*.key.pem"))
    private_key = serialization.load_pem_private_key(key_file.read_bytes(), None)
    assert isinstance(private_key, rsa.RSAPrivateKey)
    started = time.perf_counter()
    with zipfile.ZipFile(packet) as archive:
        names = archive.namelist()
        secret = private_key.decrypt(
            archive.read(next(n for n in names if n.endswith("_Key"))), padding.PKCS1v15()
        )
        decryptor = Cipher(algorithms.AES(secret[:32]), modes.CBC(secret[32:])).decryptor()
        size = 0
        with archive.open(next(n for n in names if n.endswith("_Payload"))) as entry:
            while chunk := entry.read(CHUNK):
                size += len(decryptor.update(chunk))
        size += len(decryptor.finalize())
    return {"seconds": time.perf_counter() - started, "bytes": size}


def child_inflate(packet: Path, data_dir: Path) -> dict[str, float]:
    """Decrypt and inflate as `open_packet` does, without the XML and signature stage."""
    from crypto.aes_stream import decrypt_cbc
    from crypto.keyring import Keyring
    from crypto.keywrap import unwrap_key
    from crypto.limits import Limits
    from crypto.zipstream import ZipEntryInflater

    keys = Keyring.load(data_dir / "keys").private_keys("BE")
    started = time.perf_counter()
    with zipfile.ZipFile(packet) as archive:
        names = archive.namelist()
        content_key = unwrap_key(archive.read(next(n for n in names if n.endswith("_Key"))), keys)
        with archive.open(next(n for n in names if n.endswith("_Payload"))) as entry:
            chunks = iter(lambda: entry.read(CHUNK), b"")
            size = sum(len(chunk) for chunk in ZipEntryInflater(decrypt_cbc(chunks, content_key), Limits()))
    return {"seconds": time.perf_counter() - started, "bytes": size}


def run_child(case: str, packet: Path, data_dir: Path) -> dict[str, float]:
    output = subprocess.run(
        [sys.executable, __file__, "--child", case, str(packet), str(data_dir)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return dict(json.loads(output.strip().splitlines()[-1]))


def prepare(workdir: Path, size_mb: int) -> tuple[Path, Path, float]:
    from crypto.certs import generate_key_pair, write_key_pair
    from crypto.keyring import KeyPair
    from crypto.packet_create import PacketRequest, create_packet
    from crypto.pem import certificate_pem
    from crypto.profiles import Profile
    from exchange.logs import configure_logging

    configure_logging("error")
    data_dir = workdir / f"be-{size_mb}"
    be_key, be_cert = generate_key_pair("BE")
    nl_key, nl_cert = generate_key_pair("NL")
    write_key_pair(data_dir / "keys", "BE", "bench", be_key, be_cert)
    (data_dir / "partners" / "NL").mkdir(parents=True)
    (data_dir / "partners" / "NL" / "bench.pem").write_bytes(certificate_pem(nl_cert))
    document = workdir / f"document-{size_mb}.xml"
    write_document(document, size_mb * MB)
    started = time.perf_counter()
    created = create_packet(
        document,
        PacketRequest(Profile.CTS, "NL", "BE", "CRS", tax_year=2024),
        signer=KeyPair("NL", nl_key, nl_cert),
        receiver_certificate=be_cert,
        directory=workdir / "packets",
    )
    create_seconds = time.perf_counter() - started
    document.unlink()
    return created.path, data_dir, create_seconds


CASES = (
    ("open", "open + verify (crypto.open_packet)"),
    ("inflate", "decrypt + inflate only (crypto)"),
    ("decrypt", "plain cryptography decrypt"),
)


def main(sizes: list[int]) -> None:
    print(f"python {sys.version.split()[0]}; peak RSS measured per case in its own child process")
    print(f"{'case':<34}{'document':>10}{'packet':>10}{'seconds':>9}{'MB/s':>9}{'peak RSS':>11}")
    with tempfile.TemporaryDirectory(prefix="bench-packets-") as tmp:
        workdir = Path(tmp)
        idle = run_child("idle", workdir, workdir)
        for size_mb in sizes:
            packet, data_dir, create_seconds = prepare(workdir, size_mb)
            packet_mb = packet.stat().st_size / MB
            label = "create (sign+deflate+encrypt)"
            print(
                f"{label:<34}{size_mb:>8} MB{packet_mb:>7.1f} MB{create_seconds:>9.2f}"
                f"{size_mb / create_seconds:>9.1f}{'(parent)':>11}"
            )
            for case, label in CASES:
                result = run_child(case, packet, data_dir)
                print(
                    f"{label:<34}{size_mb:>8} MB{packet_mb:>7.1f} MB{result['seconds']:>9.2f}"
                    f"{size_mb / result['seconds']:>9.1f}{result['peak_rss_mb']:>8.0f} MB"
                )
            packet.unlink()
        print(f"{'idle child (interpreter + imports)':<34}{'':>30}{idle['peak_rss_mb']:>18.0f} MB")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        case, packet_arg, data_arg = sys.argv[2:5]
        if case == "idle":
            import crypto.packet_open  # noqa: F401 - the imports are what an idle child costs

            figures: dict[str, float] = {"seconds": 0.0, "bytes": 0}
        elif case == "open":
            figures = child_open(Path(packet_arg), Path(data_arg))
        elif case == "inflate":
            figures = child_inflate(Path(packet_arg), Path(data_arg))
        else:
            figures = child_decrypt(Path(packet_arg), Path(data_arg))
        figures["peak_rss_mb"] = peak_rss_mb()
        print(json.dumps(figures))
    else:
        main([int(arg) for arg in sys.argv[1:]] or [10, 100])
