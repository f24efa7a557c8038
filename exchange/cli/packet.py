"""`exchange packet`: create, open and verify packets (CTS and IDES profiles).

A packet failure is a result, not a crash: with --json it prints the OECD code and exits 1.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from crypto.algorithms import EXCLUSIVE, INCLUSIVE
from crypto.errors import PacketError
from crypto.keywrap import KeyTransport
from crypto.packet_create import PacketRequest, SigningOptions, create_packet
from crypto.packet_open import OpenedPacket, ReceivingContext, open_packet
from crypto.pem import load_certificates
from crypto.profiles import Profile
from crypto.truststore import TrustStore
from exchange.cli.context import CliContext, emit, json_option, pass_context
from exchange.errors import ExchangeError

_as_option = click.option("--as", "receiver", help="Open as this identity of ours (default: the addressee).")


def _file_stem(packet: OpenedPacket) -> str:
    """`{sender}_{communication type}`: a status message is not named like the CRS file it answers (CTS
    names the inner document after the base module, BE_CRS_Payload.xml, even for a CRSStatus)."""
    parts = (packet.metadata.sender, packet.metadata.communication_type)
    return "_".join(re.sub(r"[^A-Za-z0-9.-]", "-", part) for part in parts)  # never a path


def _summary(packet: OpenedPacket) -> dict[str, Any]:
    return {
        "profile": packet.profile,
        "sender": packet.metadata.sender,
        "receiver": packet.receiver,
        "communication_type": packet.metadata.communication_type,
        "metadata": packet.metadata.as_dict(),
        "warnings": packet.warnings,
    }


def _failure(error: ExchangeError, partial: dict[str, Any]) -> dict[str, Any]:
    code = int(error.code) if isinstance(error, PacketError) else None
    return {**partial, "ok": False, "code": code, "error": str(error), "signature": None}


def _human(result: dict[str, Any]) -> str:
    signature = result["signature"]
    lines = [
        f"{result['profile']} packet from {result['sender']} to {result['receiver']} "
        f"({result['communication_type']}): signature valid, {signature['c14n']} C14N, "
        f"signed by {signature['signer_subject']}"
    ]
    lines += [f"warning: {warning}" for warning in result["warnings"]]
    lines += [f"wrote {path}" for path in result.get("files", [])]
    return "\n".join(lines)


def _run(
    context: CliContext,
    packet_path: Path,
    receiver: str | None,
    as_json: bool,
    consume: Callable[[OpenedPacket], dict[str, Any]],
) -> None:
    """Open, let `consume` read the stream, and report; a packet failure exits 1 with its code."""
    partial: dict[str, Any] = {"packet": str(packet_path)}
    try:
        with open_packet(
            packet_path, ReceivingContext.from_settings(context.settings), receiver=receiver
        ) as packet:
            partial.update(_summary(packet))
            extra = consume(packet)
            result = {**partial, "ok": True, "code": None, "signature": packet.verdict().as_dict(), **extra}
    except ExchangeError as error:
        if not as_json:
            raise
        emit(_failure(error, partial), as_json, str)
        click.get_current_context().exit(1)
    emit(result, as_json, _human)


@click.group("packet")
def packet_group() -> None:
    """Create, open and verify packets."""


@packet_group.command("verify")
@click.argument("packet_path", metavar="PACKET", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@_as_option
@json_option
@pass_context
def verify_command(context: CliContext, packet_path: Path, receiver: str | None, as_json: bool) -> None:
    """Decrypt, inflate and verify PACKET without writing anything."""
    _run(context, packet_path, receiver, as_json, lambda packet: (packet.drain(), {})[1])


@packet_group.command("open")
@click.argument("packet_path", metavar="PACKET", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory to write to.",
)
@_as_option
@json_option
@pass_context
def open_command(
    context: CliContext, packet_path: Path, out_dir: Path, receiver: str | None, as_json: bool
) -> None:
    """Write PACKET's metadata and its verified document into a directory.

    Nothing appears there unless the signature verified: the document is written under a temporary
    name and renamed only after the verdict.
    """

    def consume(packet: OpenedPacket) -> dict[str, Any]:
        out_dir.mkdir(parents=True, exist_ok=True)
        partial = out_dir / f".{packet_path.name}.partial"
        stem = _file_stem(packet)
        try:
            with partial.open("wb") as sink:
                packet.drain(sink)
            document = out_dir / f"{stem}_Payload.xml"
            metadata = out_dir / f"{stem}_Metadata.xml"
            partial.replace(document)
        finally:
            partial.unlink(missing_ok=True)
        metadata.write_bytes(packet.metadata.xml)
        return {"files": [str(metadata), str(document)], "inner_document": packet.document_name}

    _run(context, packet_path, receiver, as_json, consume)


@packet_group.command("create")
@click.argument("document", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--to", "receiver", required=True, help="Receiving party: country code (CTS) or GIIN (IDES).")
@click.option("--from", "sender", help="Sending party (default: the home jurisdiction).")
@click.option("--profile", type=click.Choice([p.value for p in Profile]), default="cts", show_default=True)
@click.option(
    "--type", "communication_type", default="CRS", show_default=True, help="CRS, CRSStatus, RPT, NTF…"
)
@click.option("--tax-year", type=click.IntRange(1000, 9999), help="Reporting year (required for IDES).")
@click.option(
    "--receiver-cert",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Receiver's certificate (default: its current one in the partners directory).",
)
@click.option("--c14n", type=click.Choice(["exclusive", "inclusive"]), default="exclusive", show_default=True)
@click.option("--oaep", is_flag=True, help="Wrap the AES key with RSA-OAEP instead of PKCS#1 v1.5.")
@click.option(
    "--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path(), show_default=True
)
@json_option
@pass_context
def create_command(
    context: CliContext,
    document: Path,
    receiver: str,
    sender: str | None,
    profile: str,
    communication_type: str,
    tax_year: int | None,
    receiver_cert: Path | None,
    c14n: str,
    oaep: bool,
    out_dir: Path,
    as_json: bool,
) -> None:
    """Sign DOCUMENT with our key, encrypt it for the receiver and write the packet into --out."""
    settings = context.settings
    receiving = ReceivingContext.from_settings(settings)
    sender = (sender or settings.home_jurisdiction).upper()
    certificate = (
        load_certificates(receiver_cert)[0]
        if receiver_cert
        else TrustStore.load(settings.effective_partners_dir).encryption_certificate(receiver)
    )
    created = create_packet(
        document,
        PacketRequest(Profile(profile), sender, receiver.upper(), communication_type, tax_year=tax_year),
        signer=receiving.keyring.signing_pair(sender),
        receiver_certificate=certificate,
        directory=out_dir,
        options=SigningOptions(
            c14n=EXCLUSIVE if c14n == "exclusive" else INCLUSIVE,
            key_transport=KeyTransport.OAEP if oaep else KeyTransport.PKCS1V15,
        ),
    )
    result = {
        "ok": True,
        "packet": str(created.path),
        "profile": profile,
        "sender": sender,
        "receiver": receiver.upper(),
        "communication_type": communication_type,
        "c14n": created.c14n,
        "bytes": created.path.stat().st_size,
    }
    emit(
        result,
        as_json,
        lambda r: (
            f"wrote {r['packet']} ({r['profile']}, {r['sender']} -> {r['receiver']}, "
            f"{r['c14n']} C14N, {r['bytes']} bytes)"
        ),
    )
