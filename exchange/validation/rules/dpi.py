"""DPI v1.0 (DAC7) record rules: what the DPI schema's own documentation requires beyond its structure.

The DPI status message's own codes for these checks were not at hand (exchange/formats/FACTS.md): each
takes a code of the domestic range 98100-98199, and its sentence comes from the official DPI XML Schema
v1.0's documentation of the element, cited in the reference. The message, DocSpec and correction-chain
rules shared with CRS (50004, 50008-50012, 80000-80014) apply to DPI as declared there.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from datetime import date

from exchange.records import TIN, OtherPlatformOperator, PartyKind, Record, ReportableSeller, ReportingFI
from exchange.validation.rules.context import RuleContext, field_path
from exchange.validation.rules.declarations import DPI, About, Problem, problem, record_rule

SCHEMA_TEXT = "DPI XML Schema v1.0 (OECD), documentation of"
DOMESTIC_DPI = (
    "status-message codes 98000-98999 are for domestic use; the DPI status message's own code for this "
    "check is not confirmed"
)
_EARLIEST_BIRTH = date(1900, 1, 1)


def _blank_tins(tins: tuple[TIN, ...]) -> bool:
    return any(tin.in_type is None and not tin.value and tin.unknown is not True for tin in tins)


@record_rule(
    About(
        98101,
        "dpi-tin-unknown",
        'A TIN without a value must carry unknown="true": the attribute must be provided if the TIN is not '
        "available or inexistent.",
        DPI,
        reference=f"{SCHEMA_TEXT} TIN_Type/@unknown",
        note=DOMESTIC_DPI,
    )
)
def tin_unknown(record: Record, ctx: RuleContext) -> Iterator[Problem]:
    if isinstance(record, ReportingFI):
        blank = _blank_tins(record.ins)
    elif isinstance(record, OtherPlatformOperator):
        blank = _blank_tins(record.tins)
    elif isinstance(record, ReportableSeller):
        blank = record.identity is not None and _blank_tins(record.identity.tins)
    else:
        return
    if blank:
        yield problem('a TIN is empty but not marked unknown="true"', field_path(record, "TIN"))


@record_rule(
    About(
        98102,
        "dpi-entity-seller-operator-fields",
        "Nexus and AssumedReporting describe the platform operator: they must not be provided for an entity "
        "seller.",
        DPI,
        reference=f"{SCHEMA_TEXT} OrganisationParty_Type/Nexus and /AssumedReporting",
        note=DOMESTIC_DPI,
    ),
    on=ReportableSeller,
)
def entity_seller_operator_fields(seller: ReportableSeller, ctx: RuleContext) -> Iterator[Problem]:
    given = [name for name, value in (("Nexus", seller.nexus), ("AssumedReporting", seller.assumed_reporting))
             if value is not None]  # fmt: skip
    if seller.kind is PartyKind.ORGANISATION and given:
        yield Problem(
            f"{' and '.join(given)} must not be provided for an entity seller",
            tuple(
                field_path(seller, "Identity", "EntitySeller", "Standard", "EntSellerID", name)
                for name in given
            ),
        )


@record_rule(
    About(
        98103,
        "dpi-other-property-type",
        "OtherPropertyType describes a property of type DPI910 and cannot be used with another PropertyType.",
        DPI,
        reference=f"{SCHEMA_TEXT} PropertyListingType/OtherPropertyType",
        note=DOMESTIC_DPI,
    ),
    on=ReportableSeller,
)
def other_property_type(seller: ReportableSeller, ctx: RuleContext) -> Iterator[Problem]:
    if any(listing.other_property_type and listing.property_type != "DPI910" for listing in seller.listings):
        yield problem(
            "OtherPropertyType is given for a PropertyType other than DPI910",
            field_path(
                seller, "RelevantActivities", "ImmovableProperty", "PropertyListing", "OtherPropertyType"
            ),
        )


@record_rule(
    About(
        98104,
        "dpi-nil-report-without-sellers",
        "In a nil report (MessageTypeIndic DPI403) no ReportableSeller must be provided.",
        DPI,
        reference=f"{SCHEMA_TEXT} DPIBody_Type/ReportableSeller",
        note=DOMESTIC_DPI,
    ),
    on=ReportableSeller,
)
def nil_report_without_sellers(seller: ReportableSeller, ctx: RuleContext) -> Iterator[Problem]:
    if ctx.header.message_type_indic == "DPI403":
        yield problem("a DPI403 (no data) message reports a seller", "MessageSpec/MessageTypeIndic")


@record_rule(
    About(
        98105,
        "dpi-rented-days-in-period",
        "RentedDays, the days the listing was rented during the reportable period, cannot exceed the days of "
        "that period (the calendar year of ReportingPeriod).",
        DPI,
        reference=f"{SCHEMA_TEXT} PropertyListingType/RentedDays",
        note=f"{DOMESTIC_DPI}. Uncertain: the schema bounds RentedDays to four digits only; the reportable "
        "period is read as the calendar year that ReportingPeriod ends.",
    ),
    on=ReportableSeller,
)
def rented_days_in_period(seller: ReportableSeller, ctx: RuleContext) -> Iterator[Problem]:
    year = ctx.header.reporting_period.year
    days = 366 if calendar.isleap(year) else 365
    if any(listing.rented_days is not None and listing.rented_days > days for listing in seller.listings):
        yield problem(
            f"RentedDays is more than the {days} days of {year}",
            field_path(seller, "RelevantActivities", "ImmovableProperty", "PropertyListing", "RentedDays"),
        )


@record_rule(
    About(
        98106,
        "dpi-birth-date-range",
        "An individual seller's BirthDate must be neither before 1900 nor after the current year.",
        DPI,
        reference="CRS Status Message XML Schema User Guide, code 60014, applied to DPI sellers",
        note=f"{DOMESTIC_DPI}. Uncertain: CRS's range (60014) is taken over; a BirthDate no calendar date "
        "can hold counts as out of range.",
    ),
    on=ReportableSeller,
)
def birth_date_range(seller: ReportableSeller, ctx: RuleContext) -> Iterator[Problem]:
    person = seller.identity
    if person is None or seller.kind is not PartyKind.INDIVIDUAL:
        return
    born = person.birth_date
    if (born is None and person.birth_date_unreadable) or (
        born is not None and (born < _EARLIEST_BIRTH or born.year > ctx.today.year)
    ):
        yield problem(
            f"BirthDate is before 1900 or after {ctx.today.year}",
            field_path(
                seller, "Identity", "IndividualSeller", "Standard", "IndSellerID", "BirthInfo", "BirthDate"
            ),
        )


@record_rule(
    About(
        98107,
        "dpi-operator-assumed-reporting",
        "AssumedReporting is mandatory for the Reporting Platform Operator (true when another operator "
        "reported for it, false otherwise).",
        DPI,
        reference=f"{SCHEMA_TEXT} OrganisationParty_Type/AssumedReporting",
        note=DOMESTIC_DPI,
    ),
    on=ReportingFI,
)
def operator_assumed_reporting(operator: ReportingFI, ctx: RuleContext) -> Iterator[Problem]:
    if operator.assumed_reporting is None:
        yield problem(
            "the PlatformOperator does not say AssumedReporting", field_path(operator, "AssumedReporting")
        )


RULES = (
    tin_unknown,
    entity_seller_operator_fields,
    other_property_type,
    nil_report_without_sellers,
    rented_days_in_period,
    birth_date_range,
    operator_assumed_reporting,
)
