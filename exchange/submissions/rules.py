"""Domestic submission rules (98301-98399): what an institution reporting to its own authority must meet
besides the OECD rules. (That the institution is resident in the home country is 60013 already: a
domestic file's TransmittingCountry is the home country.)

98301 and 98302 are file errors, unlike the other domestic codes: a file that does not say which
institution sends it can be neither answered to it nor corrected by it later.

They apply to a domestic file only (TransmittingCountry = ReceivingCountry, `RuleContext.domestic`): a
file between competent authorities names a foreign institution by design. The OECD's code table leaves
98000-98999 to domestic use; this product's own rules take 98001-98002 (validation.rules.domestic), DPI
98101-98107 and CbC 98201-98204, so the submissions take the next hundred, 98301-98399.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from exchange.records import FIRole, MessageHeader, ReportingFI
from exchange.validation.rules.context import RuleContext, field_path
from exchange.validation.rules.declarations import (
    CRS,
    About,
    Problem,
    Rule,
    message_rule,
    problem,
    record_rule,
)

SUBMISSION = (
    "This authority's rule for domestic submissions (status-message codes 98000-98999 are for domestic use)"
)
# The GIIN's layout (IRS FATCA registration): 6 characters, 5, a 2-letter category, the 3-digit country.
_GIIN = re.compile(r"[A-NP-Z0-9]{6}\.[A-NP-Z0-9]{5}\.(LE|SL|ME|BR|SP)\.[0-9]{3}")


def is_giin(value: str) -> bool:
    return _GIIN.fullmatch(value.strip().upper()) is not None


def _belgian_enterprise_number(value: str) -> bool:
    """The Crossroads Bank for Enterprises number: 10 digits (0 or 1 first), the last two being 97 minus
    the first eight modulo 97."""
    digits = re.sub(r"[ .]", "", value.upper().removeprefix("BE"))
    if not re.fullmatch(r"[01][0-9]{9}", digits):
        return False
    return 97 - int(digits[:8]) % 97 == int(digits[8:])


# The domestic identifier checks this authority knows; a home country without one checks no format.
DOMESTIC_IDENTIFIER_CHECKS: dict[str, Callable[[str], bool]] = {"BE": _belgian_enterprise_number}


def _concerned(fi: ReportingFI, ctx: RuleContext) -> bool:
    """A domestic file's own reporting institution (not a sponsor or intermediary of a group)."""
    return ctx.domestic and fi.role is FIRole.REPORTING_FI


def _domestic_ins(fi: ReportingFI, home: str) -> list[str]:
    return [found.value for found in fi.ins if (found.issued_by or "").upper() == home]


def _giins(fi: ReportingFI) -> list[str]:
    return [
        found.value for found in fi.ins if (found.in_type or "").upper() == "GIIN" or is_giin(found.value)
    ]


@message_rule(
    About(
        98301,
        "submission-names-institution",
        "A domestic submission names the reporting institution in its MessageSpec (SendingCompanyIN).",
        CRS,
        level="file",
        reference=SUBMISSION,
        note="The institution's answer is keyed by it and its correction chains are scoped by it: a file "
        "that does not say who sends it can be neither answered nor corrected later.",
    )
)
def names_institution(header: MessageHeader, ctx: RuleContext) -> Iterator[Problem]:
    if ctx.domestic and not (header.sending_company_in or "").strip():
        yield problem("the submission does not state SendingCompanyIN", "MessageSpec/SendingCompanyIN")


@record_rule(
    About(
        98302,
        "submission-institution-identified",
        "The reporting institution of a domestic submission carries a domestic identifier: an IN issued by "
        "the home country, or a GIIN.",
        CRS,
        level="file",
        reference=SUBMISSION,
        note="The identifier is what ties the file to a registered institution; the partner's file "
        "carries it on (CRS ReportingFI/IN).",
    ),
    on=ReportingFI,
)
def institution_identified(fi: ReportingFI, ctx: RuleContext) -> Iterator[Problem]:
    home = ctx.receiver.home_jurisdiction
    if _concerned(fi, ctx) and not (_domestic_ins(fi, home) or _giins(fi)):
        yield problem(
            f"the reporting institution has no IN issued by {home} and no GIIN", field_path(fi, "IN")
        )


@record_rule(
    About(
        98303,
        "submission-giin-format",
        "A GIIN given for the reporting institution has the GIIN's layout (XXXXXX.XXXXX.XX.NNN).",
        CRS,
        reference=f"{SUBMISSION}, after the IRS's description of the GIIN (FFI list)",
        note="A record error: the file is still accepted, the institution told. An IN is taken for a GIIN "
        "when its INType says GIIN.",
    ),
    on=ReportingFI,
)
def giin_format(fi: ReportingFI, ctx: RuleContext) -> Iterator[Problem]:
    if not _concerned(fi, ctx):
        return
    for found in fi.ins:
        if (found.in_type or "").upper() == "GIIN" and not is_giin(found.value):
            yield problem(
                f"the GIIN {found.value!r} is not of the form XXXXXX.XXXXX.XX.NNN", field_path(fi, "IN")
            )


@record_rule(
    About(
        98304,
        "submission-domestic-in-format",
        "An IN issued by the home country for the reporting institution has the home country's format "
        "(Belgium: the 10-digit enterprise number with its modulo-97 check).",
        CRS,
        reference=f"{SUBMISSION}; the Belgian enterprise number's check digits as the Crossroads Bank for "
        "Enterprises describes them",
        note="Only the home countries listed in DOMESTIC_IDENTIFIER_CHECKS are checked (Belgium); elsewhere "
        "the rule passes every IN. Uncertain: the KBO/BCE description was relied on from memory, not read "
        "here.",
    ),
    on=ReportingFI,
)
def domestic_in_format(fi: ReportingFI, ctx: RuleContext) -> Iterator[Problem]:
    home = ctx.receiver.home_jurisdiction
    check = DOMESTIC_IDENTIFIER_CHECKS.get(home)
    if not _concerned(fi, ctx) or check is None:
        return
    for value in _domestic_ins(fi, home):
        if not check(value):
            yield problem(f"the IN {value!r} is not a valid {home} identifier", field_path(fi, "IN"))


RULES: tuple[Rule, ...] = (
    names_institution,
    institution_identified,
    giin_format,
    domestic_in_format,
)

# Applied by exchange.submissions.process, not by the rule engine: only the submissions' consumer knows
# that a file came in as a submission (a partner's file from BE to BE would be no submission).
SUBMISSION_FROM_HOME = About(
    98305,
    "submission-from-home",
    "A domestic submission goes from the home country to the home country (TransmittingCountry and "
    "ReceivingCountry both the home country).",
    CRS,
    level="file",
    reference=SUBMISSION,
    note="Without it a foreign file put on the submissions topic would skip the domestic rules (they apply "
    "to a domestic file) and be stored as submitted by a domestic institution.",
)
