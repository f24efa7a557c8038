"""CbC v2.0 (DAC4) record rules: the consistency of a jurisdiction report's figures and of the reporting
entity's period.

The CbC status message's own codes for these checks were not at hand (exchange/formats/FACTS.md): each
takes a code of the domestic range 98200-98299, and its sentence is this product's reading of the CbC
XML Schema v2.0 and the OECD's CbC guidance, marked uncertain in its note. The message, DocSpec and
correction-chain rules shared with CRS (50004, 50009-50012, 80000, 80002-80014) apply to CbC as declared
there.
"""

from __future__ import annotations

from collections.abc import Iterator

from exchange.records import CbcReport, ReportingFI
from exchange.validation.rules.context import RuleContext, field_path
from exchange.validation.rules.declarations import CBC, About, Problem, problem, record_rule

_DOMESTIC = (
    "This receiver's check (status-message codes 98000-98999 are for domestic use); the CbC status "
    "message's own code for it is not confirmed"
)


@record_rule(
    About(
        98201,
        "cbc-total-revenues",
        "A jurisdiction's total revenues are the sum of its revenues from unrelated and from related "
        "parties.",
        CBC,
        reference="CbC XML Schema v2.0, CorrectableCbcReport_Type/Summary/Revenues (Unrelated, Related, "
        "Total)",
        note=f"{_DOMESTIC}. Uncertain: the schema only lists the three amounts; that Total is their sum is "
        "the OECD's CbC template (Table 1) read as a rule.",
    ),
    on=CbcReport,
)
def total_revenues(report: CbcReport, ctx: RuleContext) -> Iterator[Problem]:
    summary = report.summary
    if summary.revenues_unrelated + summary.revenues_related != summary.revenues_total:
        yield problem(
            f"Revenues/Total {summary.revenues_total} is not Unrelated {summary.revenues_unrelated} plus "
            f"Related {summary.revenues_related}",
            field_path(report, "Summary", "Revenues", "Total"),
        )


@record_rule(
    About(
        98202,
        "cbc-one-currency",
        "All amounts of a jurisdiction report are in one currency.",
        CBC,
        reference="CbC XML Schema v2.0, MonAmnt_Type/@currCode",
        note=f"{_DOMESTIC}. Uncertain: the OECD's guidance asks for one currency across the report; the "
        "schema gives each amount its own currCode. The store keeps the currency of the total revenues.",
    ),
    on=CbcReport,
)
def one_currency(report: CbcReport, ctx: RuleContext) -> Iterator[Problem]:
    used = sorted(set(report.summary.currencies))
    if len(used) > 1:
        yield problem(f"the amounts are in {', '.join(used)}", field_path(report, "Summary"))


@record_rule(
    About(
        98203,
        "cbc-employees-not-negative",
        "The number of employees of a jurisdiction cannot be negative.",
        CBC,
        reference="CbC XML Schema v2.0, CorrectableCbcReport_Type/Summary/NbEmployees (xs:integer)",
        note=_DOMESTIC,
    ),
    on=CbcReport,
)
def employees_not_negative(report: CbcReport, ctx: RuleContext) -> Iterator[Problem]:
    if report.summary.employees < 0:
        yield problem("NbEmployees is negative", field_path(report, "Summary", "NbEmployees"))


@record_rule(
    About(
        98204,
        "cbc-reporting-period-order",
        "The reporting entity's fiscal year cannot end before it starts.",
        CBC,
        reference="CbC XML Schema v2.0, ReportingEntity_Type/ReportingPeriod (StartDate, EndDate)",
        note=_DOMESTIC,
    ),
    on=ReportingFI,
)
def reporting_period_order(entity: ReportingFI, ctx: RuleContext) -> Iterator[Problem]:
    if entity.period_start and entity.period_end and entity.period_end < entity.period_start:
        yield problem(
            f"EndDate {entity.period_end.isoformat()} is before StartDate {entity.period_start.isoformat()}",
            field_path(entity, "ReportingPeriod", "EndDate"),
        )


RULES = (total_revenues, one_currency, employees_not_negative, reporting_period_order)
