"""`exchange partners`: the partners' certificates, added with checks and listed with their expiry."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from crypto.enrol import add_partner_certificate
from crypto.expiry import describe
from crypto.truststore import TrustStore
from exchange.cli.context import CliContext, emit, json_option, pass_context
from exchange.cli.keys import checked_identity, enrolled_result, human_enrolled, name_option
from exchange.settings import Settings


@click.group("partners")
def partners_group() -> None:
    """Partner jurisdictions' certificates: whom we accept packets from and answer."""


@partners_group.command("add")
@click.argument("jurisdiction")
@click.argument(
    "cert_file", metavar="CERT_FILE", type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@name_option
@json_option
@pass_context
def add_command(
    context: CliContext, jurisdiction: str, cert_file: Path, name: str | None, as_json: bool
) -> None:
    """Register CERT_FILE (one certificate, PEM or DER) for the partner JURISDICTION (country code or GIIN).

    Checked first: an RSA key of 2048 bits or more, not expired (not yet valid: taken, with a note), not
    registered already for this or another partner. It is trusted from the next packet on, beside the
    partner's other certificates (rotation); nothing is replaced.
    """
    settings = context.settings
    enrolled = add_partner_certificate(
        settings.effective_partners_dir, checked_identity(jurisdiction), cert_file, name=name
    )
    emit(enrolled_result(enrolled, settings), as_json, human_enrolled)


def _partner(party: str, trust: TrustStore, moment: datetime, soon_days: int) -> dict[str, Any]:
    certificates = [
        {"file": entry.source, **describe(entry.certificate, moment, soon_days)}
        for entry in trust.entries(party)
    ]
    certificates.sort(key=lambda c: (c["not_after"], c["file"]), reverse=True)
    valid_now = any(c["status"] == "valid" for c in certificates)
    warnings = [f"{c['file']}: {c['warning']}" for c in certificates if c["warning"]]
    if not valid_now:
        warnings.append("no certificate valid now: its packets cannot be verified nor answered")
    return {"party": party, "valid_now": valid_now, "certificates": certificates, "warnings": warnings}


def _human(result: dict[str, Any]) -> str:
    lines = [f"partners in {result['partners_dir']} (warning {result['warning_days']} days before expiry):"]
    if not result["partners"]:
        lines.append("  none: add one with `exchange partners add JURISDICTION CERT_FILE`")
    for partner in result["partners"]:
        lines.append(partner["party"])
        lines += [
            f"  {c['file']:<28} {c['not_before'][:10]} to {c['not_after'][:10]}  {c['status']:<13} "
            f"SHA-256 {c['fingerprint'][:16]}…  {c['subject']}"
            for c in partner["certificates"]
        ]
        lines += [f"  warning: {warning}" for warning in partner["warnings"]]
    return "\n".join(lines)


@partners_group.command("list")
@json_option
@pass_context
def list_command(context: CliContext, as_json: bool) -> None:
    """Each partner's certificates: subject, fingerprint, validity, and warnings when one expires soon
    (EXCHANGE_CERTIFICATE_EXPIRY_WARNING_DAYS) or none is valid now."""
    emit(partners_report(context.settings), as_json, _human)


def partners_report(settings: Settings) -> dict[str, Any]:
    """Each partner's certificates with their validity and warnings: `partners list` and the console."""
    trust = TrustStore.from_settings(settings)
    moment = datetime.now(UTC)
    soon = settings.certificate_expiry_warning_days
    return {
        "partners_dir": str(settings.effective_partners_dir),
        "warning_days": soon,
        "partners": [_partner(party, trust, moment, soon) for party in trust.parties()],
    }
