"""Blocking: which registry taxpayers are worth comparing with a reported party.

Each rule names an exact key built from a profile. The registry stores the keys of every taxpayer
(taxpayer_block_key, or an in-memory index); a reported party looks up its own keys. One key takes
the initials in either order, since institutions abroad swap given and family name. Rules come in two
passes: the tight first pass finds almost every true match among a handful of candidates; only a party
it leaves without a confident match pays for the wider second pass (a mistyped birth date, or none).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from exchange.reconcile.profile import Profile
from exchange.records import PartyKind

# Keys whose registry count weighs an exact name agreement (see scoring.Frequencies), not blocking.
FREQUENCY_RULES = {"giv": "given_name", "fam": "family_name", "org": "organisation_name"}


@dataclass(frozen=True, slots=True)
class BlockingRule:
    name: str  # at most 8 characters: the `rule` column
    kind: PartyKind
    stage: int  # 1 always looked up, 2 only when stage 1 found no confident match
    description: str
    keys: Callable[[Profile], Iterator[str]]
    # Whether a reported party looks this rule up: some rules only stand in for a missing field.
    wanted: Callable[[Profile], bool] = lambda profile: True


def _birth_initials(p: Profile) -> Iterator[str]:
    # The two initials in alphabetical order: the key survives given and family name swapped.
    if p.birth and p.family and p.given:
        yield p.birth + "".join(sorted((p.family[0], p.given[0])))


def _birth_family_initial(p: Profile) -> Iterator[str]:
    if p.birth and p.family:
        yield f"{p.birth}{p.family[0]}"


def _birth_given_initial(p: Profile) -> Iterator[str]:
    if p.birth and p.given:
        yield f"{p.birth}{p.given[0]}"


def _family_given(p: Profile) -> Iterator[str]:
    if p.family and p.given:
        yield f"{p.family} {p.given}"


def _family_given_year(p: Profile) -> Iterator[str]:
    if p.family and p.given and p.birth:
        yield f"{p.family} {p.given} {p.birth[:4]}"


def _family_given_day(p: Profile) -> Iterator[str]:
    if p.family and p.given and p.birth:
        yield f"{p.family} {p.given} {p.birth[4:]}"


def _family_post_code(p: Profile) -> Iterator[str]:
    if p.family:
        for post_code in {a.post_code for a in p.addresses if a.post_code}:
            yield f"{p.family} {post_code}"


def _organisation_words(p: Profile) -> list[str]:
    return p.organisation.split()


def _organisation_post_code(p: Profile) -> Iterator[str]:
    words = _organisation_words(p)
    if words:
        for post_code in {a.post_code for a in p.addresses if a.post_code}:
            yield f"{words[0]} {post_code}"


def _organisation_name(p: Profile) -> Iterator[str]:
    if p.organisation:
        yield p.organisation


def _organisation_first_word(p: Profile) -> Iterator[str]:
    words = _organisation_words(p)
    if words:
        yield words[0]


def _no_birth_date(p: Profile) -> bool:
    return not p.birth


def _no_birth_date_or_given_name(p: Profile) -> bool:
    return not (p.birth and p.given)


_PERSON = PartyKind.INDIVIDUAL
_ENTITY = PartyKind.ORGANISATION

RULES: tuple[BlockingRule, ...] = (
    BlockingRule("bdi", _PERSON, 1, "birth date and both initials, in either order", _birth_initials),
    BlockingRule("bdf", _PERSON, 1, "birth date and family-name initial", _birth_family_initial),
    BlockingRule("bdg", _PERSON, 1, "birth date and given-name initial", _birth_given_initial),
    BlockingRule("fgy", _PERSON, 2, "names and birth year (a typo in month or day)", _family_given_year),
    BlockingRule("fgd", _PERSON, 2, "names, birth month and day (a typo in the year)", _family_given_day),
    BlockingRule("fg", _PERSON, 2, "names, when no birth date is reported", _family_given, _no_birth_date),
    BlockingRule(
        "fpc",
        _PERSON,
        2,
        "family name and post code, when no birth date or no given name",
        _family_post_code,
        _no_birth_date_or_given_name,
    ),
    BlockingRule("opc", _ENTITY, 1, "first word of the name and post code", _organisation_post_code),
    BlockingRule("on", _ENTITY, 1, "entity name", _organisation_name),
    BlockingRule("ow", _ENTITY, 2, "first word of the name", _organisation_first_word),
)

BlockKey = tuple[str, str]  # (rule, key)


def registry_keys(profile: Profile) -> set[BlockKey]:
    """What the registry stores for a taxpayer: blocking keys and name-frequency keys."""
    keys = {(rule.name, key) for rule in RULES if rule.kind is profile.kind for key in rule.keys(profile)}
    if profile.kind is PartyKind.INDIVIDUAL:
        keys.update((("giv", profile.given), ("fam", profile.family)))
    else:
        keys.add(("org", profile.organisation))
    return {(rule, key) for rule, key in keys if key}


def query_keys(profile: Profile, stage: int) -> set[BlockKey]:
    """What a reported party looks up in one pass."""
    return {
        (rule.name, key)
        for rule in RULES
        if rule.kind is profile.kind and rule.stage == stage and rule.wanted(profile)
        for key in rule.keys(profile)
    }
