"""`exchange keys`: our key pairs and the partners' certificates (layout: crypto/README.md)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
from cryptography import x509

from crypto.certs import generate_key_pair, write_key_pair
from crypto.dsig_verify import fingerprint
from crypto.keyring import Keyring
from crypto.truststore import TrustStore
from exchange.cli.context import CliContext, emit, json_option, pass_context

_IDENTITY = re.compile(r"[A-Z]{2}|[0-9A-NP-Z]{6}\.[0-9A-NP-Z]{5}\.[A-NP-Z]{2}\.[0-9]{3}")


def _status(certificate: x509.Certificate | None, moment: datetime) -> str:
    if certificate is None:
        return "no certificate"
    if moment < certificate.not_valid_before_utc:
        return "not yet valid"
    return "expired" if moment > certificate.not_valid_after_utc else "valid"


def _describe(certificate: x509.Certificate | None, moment: datetime) -> dict[str, Any]:
    if certificate is None:
        return {"status": _status(None, moment)}
    return {
        "subject": certificate.subject.rfc4514_string(),
        "fingerprint": fingerprint(certificate),
        "not_before": certificate.not_valid_before_utc.isoformat(),
        "not_after": certificate.not_valid_after_utc.isoformat(),
        "status": _status(certificate, moment),
    }


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
    identity = identity.strip().upper()
    if not _IDENTITY.fullmatch(identity):
        raise click.BadParameter("must be an ISO country code (BE) or a GIIN", param_hint="IDENTITY")
    settings = context.settings
    passphrase = settings.key_passphrase.get_secret_value() if settings.key_passphrase else None
    key, certificate = generate_key_pair(identity, key_size=int(key_size), days=days)
    stem = name or datetime.now(UTC).strftime("%Y-%m-%d")
    key_path, cert_path = write_key_pair(
        keys_dir or settings.effective_keys_dir, identity, stem, key, certificate, passphrase
    )
    result = {
        "identity": identity,
        "key_file": str(key_path),
        "certificate_file": str(cert_path),
        "passphrase_protected": passphrase is not None,
        **_describe(certificate, datetime.now(UTC)),
    }
    emit(
        result,
        as_json,
        lambda r: (
            f"{r['identity']}: key {r['key_file']}, certificate {r['certificate_file']} "
            f"(valid until {r['not_after']}, SHA-256 {r['fingerprint'][:16]}…)"
        ),
    )


def _human_list(result: dict[str, Any]) -> str:
    lines = [f"keys in {result['keys_dir']}:"]
    lines += [
        f"  {k['identity']:<20} {k['file']:<28} {k['status']:<14} {k.get('not_after', '')}"
        for k in result["keys"]
    ]
    lines.append(f"partners in {result['partners_dir']}:")
    lines += [
        f"  {p['party']:<20} {p['file']:<28} {p['status']:<14} {p.get('not_after', '')}"
        for p in result["partners"]
    ]
    return "\n".join(lines)


@keys_group.command("list")
@json_option
@pass_context
def list_command(context: CliContext, as_json: bool) -> None:
    """List our keys and the partners' certificates with their validity (no key material)."""
    settings = context.settings
    keyring = Keyring.from_settings(settings)
    trust = TrustStore.from_settings(settings)
    moment = datetime.now(UTC)
    result = {
        "keys_dir": str(settings.effective_keys_dir),
        "partners_dir": str(settings.effective_partners_dir),
        "keys": [
            {"identity": pair.identity, "file": pair.source, **_describe(pair.certificate, moment)}
            for pair in keyring.pairs()
        ],
        "partners": [
            {"party": entry.party, "file": entry.source, **_describe(entry.certificate, moment)}
            for entry in trust.entries()
        ],
    }
    emit(result, as_json, _human_list)
