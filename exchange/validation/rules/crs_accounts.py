"""CRS record rules (60000-60016): the content of account reports, parties and reporting groups.

They are CRS rules: FATCA reports the same elements under the IRS's own rules and codes, so none of
them applies to a FATCA file.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from stdnum import isin

from exchange.records import (
    AccountReport,
    DocAction,
    FIRole,
    Party,
    PartyKind,
    PoolReport,
    Record,
    ReportingFI,
)
from exchange.validation.rules.account_numbers import is_iban
from exchange.validation.rules.context import RuleContext, field_path
from exchange.validation.rules.declarations import (
    CRS,
    About,
    Problem,
    Tracker,
    file_rule,
    problem,
    record_rule,
)

_EARLIEST_BIRTH = date(1900, 1, 1)
_PASSIVE_NFE = "CRS101"
_WITHOUT_CONTROLLING_PERSONS = frozenset({"CRS102", "CRS103"})
_ALIAS_NAME_TYPE = "OECD201"


def _holder_path(report: AccountReport, *parts: str) -> str:
    kind = "Individual" if report.holder.kind is PartyKind.INDIVIDUAL else "Organisation"
    return field_path(report, "AccountHolder", kind, *parts)


@record_rule(
    About(
        60000, "account-number-iban", "If AcctNumberType is OECD601, the AccountNumber must be an IBAN.", CRS
    ),
    on=AccountReport,
)
def account_number_iban(report: AccountReport, ctx: RuleContext) -> Iterator[Problem]:
    if report.account_number_type == "OECD601" and not is_iban(report.account_number):
        yield problem(
            "AcctNumberType is OECD601 but AccountNumber is not a valid IBAN",
            field_path(report, "AccountNumber"),
        )


@record_rule(
    About(
        60001, "account-number-isin", "If AcctNumberType is OECD603, the AccountNumber must be an ISIN.", CRS
    ),
    on=AccountReport,
)
def account_number_isin(report: AccountReport, ctx: RuleContext) -> Iterator[Problem]:
    if report.account_number_type == "OECD603" and not isin.is_valid(report.account_number):
        yield problem(
            "AcctNumberType is OECD603 but AccountNumber is not a valid ISIN",
            field_path(report, "AccountNumber"),
        )


@record_rule(
    About(60002, "balance-not-negative", "The AccountBalance must not be negative.", CRS),
    on=AccountReport,
)
def balance_not_negative(report: AccountReport, ctx: RuleContext) -> Iterator[Problem]:
    if report.balance < 0:
        yield problem("AccountBalance is negative", field_path(report, "AccountBalance"))


@record_rule(
    About(60003, "closed-account-balance", "The AccountBalance of a closed account must be 0.", CRS),
    on=AccountReport,
)
def closed_account_balance(report: AccountReport, ctx: RuleContext) -> Iterator[Problem]:
    if report.closed and report.balance != 0:
        yield problem(
            "the account is closed (ClosedAccount) but AccountBalance is not 0",
            field_path(report, "AccountBalance"),
            field_path(report, "AccountNumber", "@ClosedAccount"),
        )


def _name_paths(record: Record) -> Iterator[str]:
    """The paths of the names whose nameType is OECD201, wherever they stand in the record."""
    if isinstance(record, ReportingFI):
        if any(name.name_type == _ALIAS_NAME_TYPE for name in record.names):
            yield field_path(record, "Name", "@nameType")
        return
    if isinstance(record, AccountReport):
        if any(name.name_type == _ALIAS_NAME_TYPE for name in record.holder.names):
            yield _holder_path(record, "Name", "@nameType")
        if any(name.name_type == _ALIAS_NAME_TYPE for cp in record.controlling_persons for name in cp.names):
            yield field_path(record, "ControllingPerson", "Individual", "Name", "@nameType")


@record_rule(
    About(60004, "alias-name-type", "The nameType OECD201 (SMFAliasOrOther) is not used for CRS.", CRS)
)
def alias_name_type(record: Record, ctx: RuleContext) -> Iterator[Problem]:
    paths = tuple(_name_paths(record))
    if paths:
        yield Problem("nameType OECD201 is not used for CRS", paths)


@record_rule(
    About(
        60005,
        "controlling-persons-omitted",
        "ControllingPerson must be omitted when AcctHolderType is CRS102 or CRS103.",
        CRS,
    ),
    on=AccountReport,
)
def controlling_persons_omitted(report: AccountReport, ctx: RuleContext) -> Iterator[Problem]:
    holder_type = report.holder.acct_holder_type
    if holder_type in _WITHOUT_CONTROLLING_PERSONS and report.controlling_persons:
        yield problem(
            f"AcctHolderType {holder_type} takes no ControllingPerson",
            field_path(report, "ControllingPerson"),
        )


@record_rule(
    About(
        60006,
        "controlling-persons-required",
        "ControllingPerson must be provided when AcctHolderType is CRS101.",
        CRS,
    ),
    on=AccountReport,
)
def controlling_persons_required(report: AccountReport, ctx: RuleContext) -> Iterator[Problem]:
    if report.holder.acct_holder_type == _PASSIVE_NFE and not report.controlling_persons:
        yield problem(
            "AcctHolderType CRS101 (passive NFE) needs at least one ControllingPerson",
            field_path(report, "ControllingPerson"),
        )


class _RepeatedGroup:
    """Reports the first record of a body's second (or later) ReportingGroup, once per body."""

    def __init__(self, ctx: RuleContext) -> None:
        self._reported_body: int | None = None

    def see(self, record: Record) -> Iterator[Problem]:
        in_group = not (isinstance(record, ReportingFI) and record.role is FIRole.REPORTING_FI)
        if in_group and record.group_index > 0 and self._reported_body != record.body_index:
            self._reported_body = record.body_index
            yield problem("a CrsBody holds more than one ReportingGroup", "CrsBody/ReportingGroup")

    def end(self) -> Iterator[Problem]:
        return iter(())


@file_rule(
    About(60007, "reporting-group-repeated", "The ReportingGroup cannot be repeated within a CrsBody.", CRS)
)
def reporting_group_repeated(ctx: RuleContext) -> Tracker:
    return _RepeatedGroup(ctx)


@record_rule(
    About(60008, "sponsor-not-provided", "The Sponsor element cannot be provided for CRS.", CRS),
    on=ReportingFI,
)
def sponsor_not_provided(record: ReportingFI, ctx: RuleContext) -> Iterator[Problem]:
    if record.role is FIRole.SPONSOR:
        yield problem("Sponsor is not used for CRS", "ReportingGroup/Sponsor")


@record_rule(
    About(60009, "intermediary-not-provided", "The Intermediary element cannot be provided for CRS.", CRS),
    on=ReportingFI,
)
def intermediary_not_provided(record: ReportingFI, ctx: RuleContext) -> Iterator[Problem]:
    if record.role is FIRole.INTERMEDIARY:
        yield problem("Intermediary is not used for CRS", "ReportingGroup/Intermediary")


@record_rule(
    About(60010, "pool-report-not-provided", "The PoolReport element cannot be provided for CRS.", CRS),
    on=PoolReport,
)
def pool_report_not_provided(record: PoolReport, ctx: RuleContext) -> Iterator[Problem]:
    yield problem("PoolReport is not used for CRS", "ReportingGroup/PoolReport")


def _resident(party: Party, country: str) -> bool:
    return country in party.res_country_codes


@record_rule(
    About(
        60011,
        "individual-residence",
        "The ResCountryCode of an individual account holder or of a controlling person must include the "
        "receiving country.",
        CRS,
    ),
    on=AccountReport,
)
def individual_residence(report: AccountReport, ctx: RuleContext) -> Iterator[Problem]:
    if ctx.domestic:
        return
    country = ctx.header.receiving_country
    paths = []
    if report.holder.kind is PartyKind.INDIVIDUAL and not _resident(report.holder, country):
        paths.append(_holder_path(report, "ResCountryCode"))
    if any(not _resident(person, country) for person in report.controlling_persons):
        paths.append(field_path(report, "ControllingPerson", "Individual", "ResCountryCode"))
    if paths:
        yield Problem(f"ResCountryCode does not include the receiving country {country}", tuple(paths))


@record_rule(
    About(
        60012,
        "organisation-residence",
        "For an organisation account holder, whatever its AcctHolderType, the ResCountryCode of the entity "
        "or of one of its controlling persons must include the receiving country.",
        CRS,
        note="FACTS.md §3: any organisation holder, not only a CRS103 one; an entity is reported to a "
        "jurisdiction because it, or one of its controlling persons, is resident there.",
    ),
    on=AccountReport,
)
def organisation_residence(report: AccountReport, ctx: RuleContext) -> Iterator[Problem]:
    holder = report.holder
    country = ctx.header.receiving_country
    if ctx.domestic or holder.kind is not PartyKind.ORGANISATION:
        return
    if _resident(holder, country) or any(_resident(person, country) for person in report.controlling_persons):
        return
    paths = [_holder_path(report, "ResCountryCode")]
    if report.controlling_persons:
        paths.append(field_path(report, "ControllingPerson", "Individual", "ResCountryCode"))
    yield Problem(
        f"neither the organisation holder's ResCountryCode nor a ControllingPerson's includes the receiving "
        f"country {country}",
        tuple(paths),
    )


@record_rule(
    About(
        60013,
        "reporting-fi-residence",
        "The ResCountryCode of the ReportingFI must be provided and match the transmitting country.",
        CRS,
    ),
    on=ReportingFI,
)
def reporting_fi_residence(record: ReportingFI, ctx: RuleContext) -> Iterator[Problem]:
    country = ctx.header.transmitting_country
    if record.role is FIRole.REPORTING_FI and country not in record.res_country_codes:
        yield problem(
            f"ResCountryCode of the ReportingFI must be given and be the transmitting country {country}",
            field_path(record, "ResCountryCode"),
        )


@record_rule(
    About(
        60014,
        "birth-date-range",
        "A BirthDate must be neither before 1900 nor after the current year.",
        CRS,
        note="A BirthDate the schema accepts but no calendar date can hold (xs:date allows the year 10000 "
        "and negative years) is out of range too: reported, not stored as unknown.",
    ),
    on=AccountReport,
)
def birth_date_range(report: AccountReport, ctx: RuleContext) -> Iterator[Problem]:
    def out_of_range(party: Party) -> bool:
        born = party.birth_date
        if born is None:
            return party.birth_date_unreadable
        return born < _EARLIEST_BIRTH or born.year > ctx.today.year

    paths = []
    if report.holder.kind is PartyKind.INDIVIDUAL and out_of_range(report.holder):
        paths.append(_holder_path(report, "BirthInfo", "BirthDate"))
    if any(out_of_range(person) for person in report.controlling_persons):
        paths.append(field_path(report, "ControllingPerson", "Individual", "BirthInfo", "BirthDate"))
    if paths:
        yield Problem(f"BirthDate is before 1900 or after {ctx.today.year}", tuple(paths))


class _EmptyBody:
    """Remembers the current body's ReportingFI and whether an account-level record followed it; decides
    when the next body starts, or at the end of the file."""

    def __init__(self, ctx: RuleContext) -> None:
        self._nil_message = ctx.header.message_type_indic == "CRS703"
        self._body: int | None = None
        self._fi: ReportingFI | None = None
        self._reported_accounts = False

    def see(self, record: Record) -> Iterator[Problem]:
        if record.body_index != self._body:
            yield from self._close()
            self._body, self._fi, self._reported_accounts = record.body_index, None, False
        if isinstance(record, ReportingFI) and record.role is FIRole.REPORTING_FI:
            self._fi = record
        elif isinstance(record, AccountReport | PoolReport):
            self._reported_accounts = True

    def end(self) -> Iterator[Problem]:
        yield from self._close()

    def _close(self) -> Iterator[Problem]:
        fi = self._fi
        if fi is None or self._reported_accounts or self._nil_message:
            return
        if fi.doc_spec.action in (DocAction.CORRECTION, DocAction.DELETION):
            return
        yield Problem(
            "the CrsBody has no AccountReport, which only a ReportingFI correction or deletion or a "
            "CRS703 (no data) message may omit",
            ("CrsBody/ReportingGroup/AccountReport",),
            doc_ref_ids=(fi.doc_spec.doc_ref_id,),
            line=fi.line,
            path=fi.path,
        )


@file_rule(
    About(
        60015,
        "account-report-omitted",
        "AccountReport may be omitted only when the ReportingFI is corrected or deleted, or for a nil "
        "report (CRS703).",
        CRS,
    )
)
def account_report_omitted(ctx: RuleContext) -> Tracker:
    return _EmptyBody(ctx)


@record_rule(
    About(
        60016,
        "individual-without-controlling-persons",
        "ControllingPerson must be omitted when the account holder is an individual.",
        CRS,
    ),
    on=AccountReport,
)
def individual_without_controlling_persons(report: AccountReport, ctx: RuleContext) -> Iterator[Problem]:
    if report.holder.kind is PartyKind.INDIVIDUAL and report.controlling_persons:
        yield problem(
            "an individual account holder takes no ControllingPerson", field_path(report, "ControllingPerson")
        )


RULES = (
    account_number_iban,
    account_number_isin,
    balance_not_negative,
    closed_account_balance,
    alias_name_type,
    controlling_persons_omitted,
    controlling_persons_required,
    reporting_group_repeated,
    sponsor_not_provided,
    intermediary_not_provided,
    pool_report_not_provided,
    individual_residence,
    organisation_residence,
    reporting_fi_residence,
    birth_date_range,
    account_report_omitted,
    individual_without_controlling_persons,
)
