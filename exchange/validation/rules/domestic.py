"""Domestic rules (98000-98999, the status message's codes for domestic use): what this receiver checks
where the OECD's code table has no code.

Each is a record error: the file is accepted and the sender told, as for the 6xxxx codes.
"""

from __future__ import annotations

from collections.abc import Iterator

from exchange.records import AccountReport, PoolReport
from exchange.validation.rules.context import RuleContext, field_path
from exchange.validation.rules.declarations import (
    ACCOUNT_FORMATS,
    FATCA_V2,
    About,
    Problem,
    problem,
    record_rule,
)

DOMESTIC = "This receiver's domestic rule (status-message codes 98000-98999 are for domestic use)"
_FATCA_ONLY = frozenset({FATCA_V2})


@record_rule(
    About(
        98001,
        "pool-account-count-positive",
        "A PoolReport's AccountCount must be a positive number of accounts.",
        ACCOUNT_FORMATS,
        reference=f"{DOMESTIC}, after the IRS FATCA XML Schema v2.0 (AccountCount: xsd:positiveInteger, "
        "'the number of accounts associated with the pool report')",
        note="A pool report reports a number of accounts, so none or fewer make no report. FATCA's v2.0 "
        "schema already refuses such a count (50007); CRS takes PoolReport from the FATCA types v1.2, where "
        "AccountCount is any xsd:integer, and forbids it anyway (60010): this code tells a CRS sender, or "
        "any file validated with a looser schema, that the count itself is wrong too. (The IRS user guide's "
        "own text on AccountCount was not at hand here: the schema's type and documentation are relied on.)",
    ),
    on=PoolReport,
)
def pool_account_count_positive(report: PoolReport, ctx: RuleContext) -> Iterator[Problem]:
    if report.account_count < 1:
        yield problem(
            "AccountCount must be a positive number of accounts", field_path(report, "AccountCount")
        )


@record_rule(
    About(
        98002,
        "birth-date-readable",
        "A BirthDate must be a calendar date between the years 1 and 9999.",
        _FATCA_ONLY,
        reference=DOMESTIC,
        note="xs:date allows the year 10000 and negative years, which no stored date can hold; CRS reports "
        "such a date as out of range (60014), FATCA has no code of its own here, so this one says the date "
        "was not taken rather than leave it unknown in silence.",
    ),
    on=AccountReport,
)
def birth_date_readable(report: AccountReport, ctx: RuleContext) -> Iterator[Problem]:
    paths = []
    if report.holder.birth_date_unreadable:
        paths.append(field_path(report, "AccountHolder", "Individual", "BirthInfo", "BirthDate"))
    if any(owner.birth_date_unreadable for owner in report.controlling_persons):
        paths.append(field_path(report, "SubstantialOwner", "Individual", "BirthInfo", "BirthDate"))
    if paths:
        yield Problem("BirthDate is no calendar date between the years 1 and 9999", tuple(paths))


RULES = (pool_account_count_positive, birth_date_readable)
