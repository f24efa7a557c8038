"""`exchange keys`: our key pairs and the partners' certificates (layout: crypto/README.md)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
from cryptography import x509

from crypto.certs import generate_key_pair, write_key_pair
from crypto.enrol import Enrolled, import_key_pair
from crypto.expiry import describe
from crypto.keyring import Keyring
from crypto.party import PARTY_FORMAT, party_identifier
from crypto.truststore import TrustStore
from exchange.cli.context import CliContext, emit, json_option, pass_context
from exchange.settings import Settings

name_option = click.option(
    "--name",
    help="File name stem (default: the certificate's start date and fingerprint, e.g. 2026-03-01-1a2b3c4d).",
)


def _passphrase(settings: Settings) -> str | None:
    return settings.key_passphrase.get_secret_value() if settings.key_passphrase else None


def _describe(certificate: x509.Certificate | None, moment: datetime, soon_days: int) -> dict[str, Any]:
    if certificate is None:
        return {"status": "no certificate", "warning": "cannot sign: no certificate beside this key"}
    return describe(certificate, moment, soon_days)


def checked_identity(value: str) -> str:
    identity = party_identifier(value)
    if identity is None:
        raise click.BadParameter(f"must be {PARTY_FORMAT}", param_hint="JURISDICTION")
    return identity


def enrolled_result(enrolled: Enrolled, settings: Settings) -> dict[str, Any]:
    return {
        "party": enrolled.party,
        "files": [str(path) for path in enrolled.files],
        "notes": list(enrolled.notes),
        **describe(enrolled.certificate, datetime.now(UTC), settings.certificate_expiry_warning_days),
    }


def human_enrolled(result: dict[str, Any]) -> str:
    lines = [
        f"{result['party']}: wrote {', '.join(result['files'])}",
        f"  {result['subject']}, SHA-256 {result['fingerprint']}",
        f"  valid {result['not_before'][:10]} to {result['not_after'][:10]}",
    ]
    lines += [f"note: {note}" for note in result["notes"]]
    lines += [f"warning: {result['warning']}"] if result["warning"] else []
    return "\n".join(lines)


@click.group("keys")
def keys_group() -> None:
    """Our private keys (to open packets and sign) and partner certificates (to verify and answer)."""


@keys_group.command("generate")
@click.argument("identity")
@click.option("--name", help="File name stem (default: today's date, e.g. 2025-03-01).")
@click.option("--days", type=click.IntRange(1, 7300), default=730, show_default=True, help="Validity.")
@click.option("--key-size", type=click.Choice(["2048", "3072", "4096"]), default="2048", show_default=True)
@click.option(
    "--keys-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write under this directory instead of the configured keys directory.",
)
@json_option
@pass_context
def generate_command(
    context: CliContext,
    identity: str,
    name: str | None,
    days: int,
    key_size: str,
    keys_dir: Path | None,
    as_json: bool,
) -> None:
    """Create a key pair and a self-signed certificate for IDENTITY (country code or GIIN).

    For tests, the demo and first setup; give the certificate (never the key) to partners.
    """
    checked = party_identifier(identity)
    if checked is None:
        raise click.BadParameter("must be an ISO country code (BE) or a GIIN", param_hint="IDENTITY")
    settings = context.settings
    passphrase = _passphrase(settings)
    key, certificate = generate_key_pair(checked, key_size=int(key_size), days=days)
    stem = name or datetime.now(UTC).strftime("%Y-%m-%d")
    key_path, cert_path = write_key_pair(
        keys_dir or settings.effective_keys_dir, checked, stem, key, certificate, passphrase
    )
    result = {
        "identity": checked,
        "key_file": str(key_path),
        "certificate_file": str(cert_path),
        "passphrase_protected": passphrase is not None,
        **_describe(certificate, datetime.now(UTC), settings.certificate_expiry_warning_days),
    }
    emit(
        result,
        as_json,
        lambda r: (
            f"{r['identity']}: key {r['key_file']}, certificate {r['certificate_file']} "
            f"(valid until {r['not_after']}, SHA-256 {r['fingerprint'][:16]}…)"
        ),
    )


@keys_group.command("import")
@click.argument("jurisdiction")
@click.argument("key_file", metavar="KEY", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("cert_file", metavar="CERT", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@name_option
@json_option
@pass_context
def import_command(
    context: CliContext, jurisdiction: str, key_file: Path, cert_file: Path, name: str | None, as_json: bool
) -> None:
    """Add one of our key pairs (KEY and its CERT, PEM or DER) for JURISDICTION (country code or GIIN).

    Checked first: the key is RSA of 2048 bits or more and belongs to the certificate, the certificate
    is not expired (not yet valid: taken, with a note), the pair is not there already. Written into the
    keys directory with mode 0600 (folders 0700), protected with EXCHANGE_KEY_PASSPHRASE if set (an
    encrypted KEY is read with it); nothing is replaced and no key material is printed.
    """
    settings = context.settings
    enrolled = import_key_pair(
        settings.effective_keys_dir,
        checked_identity(jurisdiction),
        key_file,
        cert_file,
        passphrase=_passphrase(settings),
        name=name,
    )
    emit(enrolled_result(enrolled, settings), as_json, human_enrolled)


def _human_list(result: dict[str, Any]) -> str:
    lines = [f"keys in {result['keys_dir']}:"]
    lines += [
        f"  {k['identity']:<20} {k['file']:<28} {k['status']:<14} {k.get('not_after', '')}"
        + (f"  {k['warning']}" if k.get("warning") else "")
        for k in result["keys"]
    ]
    lines.append(f"partners in {result['partners_dir']}:")
    lines += [
        f"  {p['party']:<20} {p['file']:<28} {p['status']:<14} {p.get('not_after', '')}"
        + (f"  {p['warning']}" if p.get("warning") else "")
        for p in result["partners"]
    ]
    return "\n".join(lines)


@keys_group.command("list")
@json_option
@pass_context
def list_command(context: CliContext, as_json: bool) -> None:
    """List our keys and the partners' certificates with their validity (no key material)."""
    emit(keys_report(context.settings), as_json, _human_list)


def keys_report(settings: Settings) -> dict[str, Any]:
    """Our keys' and the partners' certificates with their validity, no key material: `keys list` and
    the console."""
    keyring = Keyring.from_settings(settings)
    trust = TrustStore.from_settings(settings)
    moment = datetime.now(UTC)
    soon = settings.certificate_expiry_warning_days
    return {
        "keys_dir": str(settings.effective_keys_dir),
        "partners_dir": str(settings.effective_partners_dir),
        "keys": [
            {"identity": pair.identity, "file": pair.source, **_describe(pair.certificate, moment, soon)}
            for pair in keyring.pairs()
        ],
        "partners": [
            {"party": entry.party, "file": entry.source, **_describe(entry.certificate, moment, soon)}
            for entry in trust.entries()
        ],
    }
