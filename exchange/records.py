"""The parsed content of an exchange file, independent of its format (CRS v2.0/v3.0, FATCA v2, DPI v1.0).

A parser yields one `MessageHeader`, then a stream of records in document order: each body's
`ReportingFI` first, then per reporting group its sponsor and intermediary (also `ReportingFI`, with
their role), then its `AccountReport`, `PoolReport` or `NilReport` records. Validation may interleave
its `Finding`s (exchange.validation.findings) in that stream, a finding about a record before the
record; the store consumes the whole stream in one pass and never needs a list.

Codes stay strings exactly as the file gives them (OECD1, FATCA2, CRS501, FATCA504...): the formats
add codes over time, and a record with an unknown code must still be representable so that validation
can report it. Amounts are `Decimal`, never float.

DPI (DAC7) maps onto the same stream: each DPIBody's PlatformOperator is its `ReportingFI` (the reporting
entity of the body, resent, corrected and deleted as one), then its `OtherPlatformOperator`s and its
`ReportableSeller`s.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import TypeVar, dataclass_transform

from exchange.validation.findings import Finding

_T = TypeVar("_T")


@dataclass_transform(frozen_default=True)
def value(cls: type[_T]) -> type[_T]:
    """A record type: a slotted dataclass that nothing may change once built.

    The type checker holds it frozen (an assignment to a field does not type-check, and CI runs mypy
    strict); at run time it is a plain slotted dataclass, because a frozen one sets every field through
    `object.__setattr__` in its `__init__`, and building records was then a quarter of the extraction.
    """
    return dataclass(slots=True)(cls)


class DocAction(StrEnum):
    """What a record does to the correction chain its DocSpec names."""

    NEW = "new"
    CORRECTION = "correction"  # supersedes the record named by CorrDocRefId
    DELETION = "deletion"  # retires the record named by CorrDocRefId
    RESEND = "resend"  # repeats a known record unchanged (its own DocRefId), for ReportingFI only


# OECD10-13 and FATCA11-14 are the test-data twins of the production codes. FATCA4 ("amended") replaces
# the record it names exactly as a correction does; FATCA has no resend.
_DOC_ACTIONS: dict[str, DocAction] = {
    "OECD0": DocAction.RESEND,
    "OECD1": DocAction.NEW,
    "OECD2": DocAction.CORRECTION,
    "OECD3": DocAction.DELETION,
    "OECD10": DocAction.RESEND,
    "OECD11": DocAction.NEW,
    "OECD12": DocAction.CORRECTION,
    "OECD13": DocAction.DELETION,
    "FATCA1": DocAction.NEW,
    "FATCA2": DocAction.CORRECTION,
    "FATCA3": DocAction.DELETION,
    "FATCA4": DocAction.CORRECTION,
    "FATCA11": DocAction.NEW,
    "FATCA12": DocAction.CORRECTION,
    "FATCA13": DocAction.DELETION,
    "FATCA14": DocAction.CORRECTION,
}
_TEST_DOC_TYPES = frozenset(
    {"OECD10", "OECD11", "OECD12", "OECD13", "FATCA11", "FATCA12", "FATCA13", "FATCA14"}
)


def doc_action(doc_type_indic: str) -> DocAction | None:
    """The chain effect of a DocTypeIndic, or None for a code no supported format defines."""
    return _DOC_ACTIONS.get(doc_type_indic)


def is_test_doc_type(doc_type_indic: str) -> bool:
    return doc_type_indic in _TEST_DOC_TYPES


@value
class DocSpec:
    doc_type_indic: str
    doc_ref_id: str
    corr_doc_ref_id: str | None = None
    corr_message_ref_id: str | None = None

    @property
    def action(self) -> DocAction | None:
        return _DOC_ACTIONS.get(self.doc_type_indic)  # as `doc_action`; asked several times per record

    @property
    def is_test_data(self) -> bool:
        return is_test_doc_type(self.doc_type_indic)


@value
class MessageHeader:
    """MessageSpec. FATCA v2 has no MessageTypeIndic, hence optional."""

    message_type: str  # CRS, FATCA
    transmitting_country: str
    receiving_country: str
    message_ref_id: str
    reporting_period: date
    # As the file states it: xsd:dateTime may omit the zone, and then the value is naive on purpose.
    timestamp: datetime
    message_type_indic: str | None = None  # CRS701-703
    corr_message_ref_ids: tuple[str, ...] = ()
    # Every ReceivingCountry when the format allows several (CbC); empty means only `receiving_country`.
    receiving_countries: tuple[str, ...] = ()
    sending_company_in: str | None = None
    warning: str | None = None
    contact: str | None = None
    format_name: str = "crs"  # the FormatSpec name the parser recognised: crs, fatca
    format_version: str = "2.0"


@value
class TIN:
    """A person's TIN or an organisation's IN (CRS OrganisationIN carries an INType as well)."""

    value: str
    issued_by: str | None = None
    in_type: str | None = None
    unknown: bool | None = None  # DPI TIN@unknown: the seller or operator has no TIN to give (value "")


@value
class AddressFix:
    city: str
    street: str | None = None
    building_identifier: str | None = None
    suite_identifier: str | None = None
    floor_identifier: str | None = None
    district_name: str | None = None
    pob: str | None = None
    post_code: str | None = None
    country_subentity: str | None = None


@value
class Address:
    """CountryCode, then AddressFree, or AddressFix with an optional AddressFree beside it."""

    country_code: str
    free: str | None = None
    fix: AddressFix | None = None
    legal_address_type: str | None = None  # OECD301-305


@value
class Name:
    """A person's structured name, or an organisation's name in `full`."""

    full: str | None = None
    first: str | None = None
    middle: tuple[str, ...] = ()
    last: str | None = None
    name_prefix: str | None = None
    preceding_title: str | None = None
    titles: tuple[str, ...] = ()
    generation_identifiers: tuple[str, ...] = ()
    suffixes: tuple[str, ...] = ()
    general_suffix: str | None = None
    name_type: str | None = None  # OECD201-208


class PartyKind(StrEnum):
    INDIVIDUAL = "individual"
    ORGANISATION = "organisation"


class PartyRole(StrEnum):
    HOLDER = "holder"
    CONTROLLING_PERSON = "controlling_person"  # CRS ControllingPerson
    SUBSTANTIAL_OWNER = "substantial_owner"  # FATCA SubstantialOwner
    SELLER = "seller"  # DPI ReportableSeller


@value
class Party:
    """An account holder, controlling person or substantial owner."""

    kind: PartyKind
    names: tuple[Name, ...]
    role: PartyRole = PartyRole.HOLDER
    res_country_codes: tuple[str, ...] = ()
    tins: tuple[TIN, ...] = ()
    addresses: tuple[Address, ...] = ()
    nationalities: tuple[str, ...] = ()
    birth_date: date | None = None  # BirthInfo, flattened: a party has at most one
    # A BirthDate was given but is no date this product can hold: xs:date allows years beyond 9999 and
    # before 1, which `date` cannot. birth_date is None then, and the rules report it (60014, 98002).
    birth_date_unreadable: bool = False
    birth_city: str | None = None
    birth_city_subentity: str | None = None
    birth_country_code: str | None = None
    birth_former_country_name: str | None = None
    acct_holder_type: str | None = None  # organisation holders: CRS101-103, FATCA101-106
    ctrlg_person_types: tuple[str, ...] = ()  # CRS801-813; CRS v3 allows several
    self_cert: str | None = None  # CRS v3: holder CRS900-902, controlling person CRS1000-1002
    equity_interest_types: tuple[str, ...] = ()  # CRS v3 holder: CRS401-410


class FIRole(StrEnum):
    REPORTING_FI = "reporting_fi"
    SPONSOR = "sponsor"
    INTERMEDIARY = "intermediary"


@value
class ReportingFI:
    """A ReportingFI, or a reporting group's Sponsor or Intermediary (same content, other role).

    `body_index` counts the CrsBody / FATCA elements of the file from 0; `group_index` the
    ReportingGroups inside the body (0 for the ReportingFI itself).
    """

    doc_spec: DocSpec
    names: tuple[Name, ...]
    role: FIRole = FIRole.REPORTING_FI
    res_country_codes: tuple[str, ...] = ()
    ins: tuple[TIN, ...] = ()
    addresses: tuple[Address, ...] = ()
    filer_category: str | None = None  # FATCA601-611
    # DPI PlatformOperator: its VAT number, trading names, why it reports here (RPONEX1-5), and whether
    # another operator assumed its reporting.
    vat: str | None = None
    platform_business_names: tuple[str, ...] = ()
    nexus: str | None = None
    assumed_reporting: bool | None = None
    # CbC ReportingEntity: the group's name, why this entity files (CBC701-704), the fiscal year reported.
    mne_group_name: str | None = None
    reporting_role: str | None = None
    period_start: date | None = None
    period_end: date | None = None
    # The element read, when the role does not say it (DPI PlatformOperator, CbC ReportingEntity).
    element: str | None = None
    body_index: int = 0
    group_index: int = 0
    line: int | None = None
    path: str | None = None  # the element's place in the file, /CRS_OECD/CrsBody[1]/..., when known


@value
class Payment:
    type: str  # CRS501-504, FATCA501-504
    amount: Decimal
    currency: str
    description: str | None = None  # FATCA PaymentTypeDesc


@value
class AccountReport:
    doc_spec: DocSpec
    account_number: str
    holder: Party
    balance: Decimal
    currency: str
    account_number_type: str | None = None  # OECD601-606
    undocumented: bool | None = None
    closed: bool | None = None  # CRS @ClosedAccount, FATCA AccountClosed
    dormant: bool | None = None
    controlling_persons: tuple[Party, ...] = ()  # CRS controlling persons, FATCA substantial owners
    payments: tuple[Payment, ...] = ()
    dd_procedure: str | None = None  # CRS v3: CRS1200-1202
    account_type: str | None = None  # CRS v3: CRS1100-1104
    joint_account: int | None = None  # CRS v3: number of joint holders
    body_index: int = 0
    group_index: int = 0
    line: int | None = None
    path: str | None = None  # the element's place in the file, /CRS_OECD/CrsBody[1]/..., when known


@value
class PoolReport:
    """FATCA (and, forbidden by 60010, CRS v2) pooled report of non-consenting accounts."""

    doc_spec: DocSpec
    account_count: int
    pool_report_type: str
    balance: Decimal
    currency: str
    body_index: int = 0
    group_index: int = 0
    line: int | None = None
    path: str | None = None  # the element's place in the file, /CRS_OECD/CrsBody[1]/..., when known


@value
class NilReport:
    """FATCA NilReport: a reporting group with no account to report."""

    doc_spec: DocSpec
    body_index: int = 0
    group_index: int = 0
    line: int | None = None
    path: str | None = None  # the element's place in the file, /CRS_OECD/CrsBody[1]/..., when known


class Activity(StrEnum):
    """The DPI relevant activities, as the store names them."""

    IMMOVABLE_PROPERTY = "immovable_property"
    PERSONAL_SERVICES = "personal_services"
    SALE_OF_GOODS = "sale_of_goods"
    TRANSPORTATION_RENTAL = "transportation_rental"


@value
class QuarterAmounts:
    """Four quarterly amounts (DPI MonAmnt: whole units), each with its own currency as the file gives it."""

    amounts: tuple[Decimal, ...]
    currencies: tuple[str, ...]


@value
class ActivityFigures:
    """A DPI activity's quarterly consideration, fees, taxes and number of activities."""

    activity: Activity
    consideration: QuarterAmounts
    fees: QuarterAmounts
    taxes: QuarterAmounts
    counts: tuple[int, ...]


@value
class PropertyListing:
    """One immovable property let through the platform, with its own quarterly figures."""

    address: Address
    figures: ActivityFigures
    land_registration_number: str | None = None
    property_type: str | None = None  # DPI901-910
    other_property_type: str | None = None
    rented_days: int | None = None


@value
class FinancialIdentifier:
    """The account (or other identifier) the consideration was paid or credited to."""

    identifier: str
    account_number_type: str | None = None
    account_holder_name: str | None = None
    other_info: str | None = None


@value
class GovernmentVerification:
    """DPI GVS: a seller identified through a government verification service instead of in full."""

    name: str
    jurisdiction: str
    reference: str
    other_tin: str | None = None
    financial_identifier: FinancialIdentifier | None = None


@value
class ReportableSeller:
    """A DPI ReportableSeller: an individual or an entity, identified in full (`identity`, with TINs and,
    for an entity, its INs among them) or through a verification service (`verification`)."""

    doc_spec: DocSpec
    kind: PartyKind
    identity: Party | None = None
    verification: GovernmentVerification | None = None
    vat: str | None = None
    platform_business_names: tuple[str, ...] = ()
    nexus: str | None = None
    assumed_reporting: bool | None = None  # given for an entity seller only by mistake (98102)
    financial_identifiers: tuple[FinancialIdentifier, ...] = ()
    permanent_establishments: tuple[str, ...] = ()
    listings: tuple[PropertyListing, ...] = ()
    activities: tuple[ActivityFigures, ...] = ()  # personal services, sale of goods, transportation rental
    body_index: int = 0
    group_index: int = 0
    line: int | None = None
    path: str | None = None


class OperatorRole(StrEnum):
    ASSUMING = "assuming"  # the operator that took over this body's PlatformOperator's reporting
    ASSUMED = "assumed"  # an operator whose reporting this body's PlatformOperator took over


@value
class OtherPlatformOperator:
    """DPI AssumingPlatformOperator or AssumedPlatformOperator."""

    doc_spec: DocSpec
    role: OperatorRole
    name: str | None = None
    res_country_codes: tuple[str, ...] = ()
    tins: tuple[TIN, ...] = ()
    address: Address | None = None
    body_index: int = 0
    group_index: int = 0
    line: int | None = None
    path: str | None = None


@value
class ConstituentEntity:
    """A CbC constituent entity of the group in the report's jurisdiction, with its main activities."""

    party: Party  # an organisation: names, TIN (and INs, with their INType), residences, addresses
    biz_activities: tuple[str, ...] = ()  # CBC501-513
    role: str | None = None  # CBC801-803
    incorp_country_code: str | None = None
    other_entity_info: str | None = None


@value
class CbcSummary:
    """A CbC report's figures for one jurisdiction: whole amounts, each with its currency as given."""

    revenues_unrelated: Decimal
    revenues_related: Decimal
    revenues_total: Decimal
    profit_or_loss: Decimal
    tax_paid: Decimal
    tax_accrued: Decimal
    capital: Decimal
    earnings: Decimal
    assets: Decimal
    employees: int
    currencies: tuple[str, ...]  # of the nine amounts, in the order above


@value
class CbcReport:
    """CbC CbcReports: the group's summary in one tax jurisdiction and its constituent entities there."""

    doc_spec: DocSpec
    res_country_code: str
    summary: CbcSummary
    entities: tuple[ConstituentEntity, ...] = ()
    body_index: int = 0
    group_index: int = 0
    line: int | None = None
    path: str | None = None


@value
class CbcAdditionalInfo:
    """CbC AdditionalInfo: free text about the report, naming jurisdictions and summary figures
    (CBC601-611)."""

    doc_spec: DocSpec
    other_info: tuple[str, ...] = ()
    res_country_codes: tuple[str, ...] = ()
    summary_refs: tuple[str, ...] = ()
    body_index: int = 0
    group_index: int = 0
    line: int | None = None
    path: str | None = None


Record = (
    ReportingFI
    | AccountReport
    | PoolReport
    | NilReport
    | ReportableSeller
    | OtherPlatformOperator
    | CbcReport
    | CbcAdditionalInfo
)
StreamItem = Record | Finding  # what `exchange.store.store_file` consumes
