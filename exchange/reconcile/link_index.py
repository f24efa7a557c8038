"""The linkage index's rows (table taxpayer_link): a taxpayer's folded profile and blocking keys.

Folding names and addresses is the costly part of reading a candidate, so it is done once, when the
registry is loaded, and a candidate is read back from one row. Folded values hold only [a-z0-9 ], so
the residence history is stored as text with '|' between the parts of an address and ';' between
addresses (current first).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from exchange.reconcile.blocking import RULES, registry_keys
from exchange.reconcile.profile import AddressKey, Profile
from exchange.records import PartyKind

_PART = "|"
_ADDRESS = ";"
KEY_COLUMNS = tuple(rule.column for rule in RULES)
PROFILE_COLUMNS = ("taxpayer_id", "kind", "tin", "given", "given_all", "family", "organisation", "birth")


def encode_addresses(addresses: tuple[AddressKey, ...]) -> str:
    return _ADDRESS.join(_PART.join((a.post_code, a.city, a.street, a.number)) for a in addresses)


def _decode_address(text: str) -> AddressKey:
    post_code, city, street, number = text.split(_PART)
    return AddressKey(post_code, city, street, number)


def decode_addresses(text: str) -> tuple[AddressKey, ...]:
    return tuple(_decode_address(part) for part in text.split(_ADDRESS)) if text else ()


def link_row(profile: Profile) -> dict[str, Any]:
    """The index row of a registry profile (its `ref` is the taxpayer id)."""
    keys = registry_keys(profile)
    return {
        "taxpayer_id": profile.ref,
        "kind": profile.kind.value,
        "tin": profile.tins[0] if profile.tins else "",
        "given": profile.given,
        "given_all": profile.given_all,
        "family": profile.family,
        "organisation": profile.organisation,
        "birth": profile.birth,
        "addresses": encode_addresses(profile.addresses),
        **{rule.column: keys.get(rule.name) for rule in RULES},
    }


_KINDS = {kind.value: kind for kind in PartyKind}  # a dict look-up: the enum's call costs more per row


def row_profile(row: Mapping[Any, Any]) -> Profile:
    """The profile stored in an index row."""
    return Profile(
        ref=row["taxpayer_id"],
        kind=_KINDS[row["kind"]],
        given=row["given"],
        given_all=row["given_all"],
        family=row["family"],
        organisation=row["organisation"],
        birth=row["birth"],
        tins=(row["tin"],) if row["tin"] else (),
        addresses=decode_addresses(row["addresses"]),
    )
