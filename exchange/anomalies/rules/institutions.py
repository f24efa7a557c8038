"""Institution flags: how a reporting financial institution's data behaves over a year."""

from __future__ import annotations

from collections.abc import Iterator

from exchange.anomalies.declarations import About, Hit, Severity, institution_rule
from exchange.anomalies.facts import InstitutionFacts
from exchange.settings import Settings


@institution_rule(
    About(
        "FI01",
        "frequent-amendments",
        "An institution that keeps correcting or deleting what it reported makes every one of its "
        "reports less reliable, and may be reshaping them after the fact.",
        Severity.LOW,
        evidence=("new", "corrections", "deletions", "share"),
        on_record_error="Reads no amount: a record with a record error counts as any other report.",
        thresholds=("flag_fi_min_records", "flag_fi_amendment_share"),
    )
)
def frequent_amendments(facts: InstitutionFacts, settings: Settings) -> Iterator[Hit]:
    total = facts.new + facts.corrections + facts.deletions
    if total < settings.flag_fi_min_records:
        return
    share = (facts.corrections + facts.deletions) / total
    if share >= settings.flag_fi_amendment_share:
        yield Hit(
            {
                "new": facts.new,
                "corrections": facts.corrections,
                "deletions": facts.deletions,
                "share": round(share, 4),
            }
        )
