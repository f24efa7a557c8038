"""Evaluating the DPI and CbC flags (platform and group scopes) of a file, or of the whole store.

The same comparison as every other scope's (flag_rows): the flags the rules fire now against those
stored for the scope, by fingerprint; what changed becomes the evaluation's events. A file touches
the platform years of the taxpayers its sellers are matched to and the groups its CbC reports belong
to; nothing for a file of another format.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from exchange.anomalies.declarations import FlagRule, Hit
from exchange.anomalies.events import EventType
from exchange.anomalies.flag_rows import FlagRow, comparable_evidence, compare, stored_flags, write
from exchange.anomalies.models import Flag
from exchange.anomalies.report_facts import (
    GROUP_SCOPE,
    PLATFORM_SCOPE,
    group_facts,
    group_keys_of_file,
    group_scope,
    platform_scope,
    platform_year_facts,
    platform_years_of_file,
)
from exchange.anomalies.rules import GROUP_RULES, PLATFORM_RULES
from exchange.anomalies.transaction import lock_taxpayers
from exchange.settings import Settings


def _columns(rule: FlagRule[Any], scope_key: str, hit: Hit, sender: str | None, year: int) -> dict[str, Any]:
    return {
        "code": rule.code,
        "scope_key": scope_key,
        "severity": rule.severity.value,
        "score": rule.severity.points,
        "taxpayer_id": hit.taxpayer_id,
        "party_id": None,
        "account_report_id": None,
        "sender": sender,
        "reporting_year": year,
        "institution": None,
        "amount": hit.amount,
        "currency": hit.currency,
        "evidence": comparable_evidence(hit.evidence),
    }


def _fingerprint(code: str, scope_key: str, hit: Hit) -> str:
    taxpayer = "" if hit.taxpayer_id is None else str(hit.taxpayer_id)
    return "|".join((code, scope_key, hit.subject, taxpayer))


def _raised_scopes(connection: Connection) -> Iterator[str]:
    """Scopes with a raised DPI or CbC flag: a full evaluation looks at them again, so a flag whose
    data is gone is retracted."""
    query = select(Flag.scope_key).where(
        Flag.state == "raised",
        Flag.scope_key.like(f"{PLATFORM_SCOPE}%") | Flag.scope_key.like(f"{GROUP_SCOPE}%"),
    )
    yield from connection.execute(query.distinct()).scalars()


def _parse_scopes(keys: Iterator[str]) -> tuple[set[tuple[int, int]], set[tuple[str, int, str]]]:
    platforms: set[tuple[int, int]] = set()
    groups: set[tuple[str, int, str]] = set()
    for key in keys:
        if key.startswith(PLATFORM_SCOPE):
            taxpayer, year = key.removeprefix(PLATFORM_SCOPE).split(":")
            platforms.add((int(taxpayer), int(year)))
        elif key.startswith(GROUP_SCOPE):
            sender, year, group = key.removeprefix(GROUP_SCOPE).split(":", 2)
            groups.add((sender, int(year), group))
    return platforms, groups


def report_flag_changes(
    connection: Connection, file_id: int | None, settings: Settings, now: datetime
) -> tuple[list[tuple[EventType, FlagRow]], set[int]]:
    """Bring the platform and group flags of what the file touches (the store, without a file) in line
    with the rules; the changes and the taxpayers whose flags they are."""
    platforms = platform_years_of_file(connection, file_id)
    groups = group_keys_of_file(connection, file_id)
    if file_id is None:
        raised_platforms, raised_groups = _parse_scopes(_raised_scopes(connection))
        platforms |= raised_platforms
        groups |= raised_groups
    if not platforms and not groups:
        return [], set()
    lock_taxpayers(connection, {taxpayer for taxpayer, _ in platforms})
    desired: dict[str, dict[str, Any]] = {}
    for facts in platform_year_facts(connection, platforms):
        for rule in PLATFORM_RULES:
            for hit in rule.check(facts, settings):
                desired[_fingerprint(rule.code, facts.scope_key, hit)] = _columns(
                    rule, facts.scope_key, hit, hit.sender, facts.year
                )
    for group in group_facts(connection, groups, settings.home_jurisdiction):
        for group_rule in GROUP_RULES:
            for hit in group_rule.check(group, settings):
                desired[_fingerprint(group_rule.code, group.scope_key, hit)] = _columns(
                    group_rule, group.scope_key, hit, group.sender, group.year
                )
    keys = [platform_scope(*pair) for pair in platforms] + [group_scope(*key) for key in groups]
    changed = write(connection, compare(stored_flags(connection, keys), desired, file_id, now))
    return changed, {flag.taxpayer_id for _, flag in changed if flag.taxpayer_id is not None}
