"""DPI v1.0 (DAC7) elements → records: PlatformOperator (a ReportingFI), the other platform operators,
and ReportableSeller with its activities and property listings.

As in the other builders, each element's children are walked once and taken by local name; the schema
pass has judged the shape, so a missing part is left empty here rather than reported twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from lxml import etree

from exchange.extract.docspec import doc_spec
from exchange.extract.parties import OrganisationParts, address, individual
from exchange.extract.xmltext import (
    attribute,
    leaf_fields,
    local_name,
    parse_bool,
    parse_decimal,
    parse_int,
    text,
)
from exchange.records import (
    TIN,
    Activity,
    ActivityFigures,
    Address,
    FinancialIdentifier,
    FIRole,
    GovernmentVerification,
    OperatorRole,
    OtherPlatformOperator,
    Party,
    PartyKind,
    PartyRole,
    PropertyListing,
    QuarterAmounts,
    ReportableSeller,
    ReportingFI,
)

OTHER_OPERATORS = {
    "AssumingPlatformOperator": OperatorRole.ASSUMING,
    "AssumedPlatformOperator": OperatorRole.ASSUMED,
}
_ACTIVITIES = {
    "PersonalServices": Activity.PERSONAL_SERVICES,
    "SaleOfGoods": Activity.SALE_OF_GOODS,
    "TransportationRental": Activity.TRANSPORTATION_RENTAL,
}
_QUARTERS = {
    "Consideration": "ConsQ",
    "Fees": "FeesQ",
    "Taxes": "TaxQ",
}
_ZERO = Decimal(0)


def dpi_identifier(element: etree._Element) -> TIN:
    """A DPI TIN or IN: the TIN may be empty when its `unknown` attribute says there is none."""
    return TIN(
        text(element) or "",
        issued_by=attribute(element, "issuedBy"),
        in_type=attribute(element, "INType"),
        unknown=parse_bool(attribute(element, "unknown")),
    )


@dataclass
class _Entity(OrganisationParts):
    """A DPI OrganisationParty (platform operator, entity seller): an organisation's parts, its TINs and
    INs in one list as written (a TIN may be empty when `unknown` says so), and what DPI adds."""

    business_names: list[str] = field(default_factory=list)
    vat: str | None = None
    nexus: str | None = None
    assumed_reporting: bool | None = None

    def take(self, local: str, child: etree._Element) -> bool:
        if local in ("TIN", "IN"):
            self.tins.append(dpi_identifier(child))
        elif local == "PlatformBusinessName":
            if (name := text(child)) is not None:
                self.business_names.append(name)
        elif local == "VAT":
            self.vat = self.vat or text(child)
        elif local == "Nexus":
            self.nexus = self.nexus or text(child)
        elif local == "AssumedReporting":
            self.assumed_reporting = parse_bool(text(child))
        else:
            return super().take(local, child)
        return True


def platform_operator(
    element: etree._Element, body_index: int, path: str | None = None
) -> ReportingFI | None:
    parts = _Entity()
    spec_element = None
    for child in element:
        local = local_name(child)
        if parts.take(local, child):
            continue
        if local == "DocSpec" and spec_element is None:
            spec_element = child
    spec = doc_spec(spec_element)
    if spec is None:
        return None
    return ReportingFI(
        doc_spec=spec,
        names=tuple(parts.names),
        role=FIRole.REPORTING_FI,
        res_country_codes=tuple(parts.residences),
        ins=parts.identifiers(),
        addresses=tuple(parts.addresses),
        vat=parts.vat,
        platform_business_names=tuple(parts.business_names),
        nexus=parts.nexus,
        assumed_reporting=parts.assumed_reporting,
        element="PlatformOperator",
        body_index=body_index,
        line=element.sourceline,
        path=path,
    )


def other_operator(
    element: etree._Element, role: OperatorRole, body_index: int, path: str | None = None
) -> OtherPlatformOperator | None:
    spec_element = None
    name: str | None = None
    residences: list[str] = []
    tins: list[TIN] = []
    where: Address | None = None
    for child in element:
        local = local_name(child)
        if local == "DocSpec" and spec_element is None:
            spec_element = child
        elif local == "Name" and name is None:
            name = text(child)
        elif local == "ResCountryCode" and (code := text(child)) is not None:
            residences.append(code)
        elif local == "TIN":
            tins.append(dpi_identifier(child))
        elif local == "Address" and where is None:
            where = address(child)
    spec = doc_spec(spec_element)
    if spec is None:
        return None
    return OtherPlatformOperator(
        doc_spec=spec,
        role=role,
        name=name,
        res_country_codes=tuple(residences),
        tins=tuple(tins),
        address=where,
        body_index=body_index,
        line=element.sourceline,
        path=path,
    )


def reportable_seller(
    element: etree._Element, body_index: int, path: str | None = None
) -> ReportableSeller | None:
    spec_element = identity = activities = None
    for child in element:
        local = local_name(child)
        if local == "DocSpec" and spec_element is None:
            spec_element = child
        elif local == "Identity" and identity is None:
            identity = child
        elif local == "RelevantActivities" and activities is None:
            activities = child
    spec = doc_spec(spec_element)
    if spec is None:
        return None
    seller = _SellerBuilder()
    if identity is not None:
        seller.identity(identity)
    if activities is not None:
        seller.activities(activities)
    return ReportableSeller(
        doc_spec=spec,
        kind=seller.kind,
        identity=seller.party,
        verification=seller.verification,
        vat=seller.vat,
        platform_business_names=seller.business_names,
        nexus=seller.nexus,
        assumed_reporting=seller.assumed_reporting,
        financial_identifiers=tuple(seller.financial_identifiers),
        permanent_establishments=seller.permanent_establishments,
        listings=tuple(seller.listings),
        activities=tuple(seller.figures),
        body_index=body_index,
        line=element.sourceline,
        path=path,
    )


class _SellerBuilder:
    def __init__(self) -> None:
        self.kind = PartyKind.INDIVIDUAL
        self.party: Party | None = None
        self.verification: GovernmentVerification | None = None
        self.vat: str | None = None
        self.nexus: str | None = None
        self.assumed_reporting: bool | None = None
        self.business_names: tuple[str, ...] = ()
        self.financial_identifiers: list[FinancialIdentifier] = []
        self.permanent_establishments: tuple[str, ...] = ()
        self.listings: list[PropertyListing] = []
        self.figures: list[ActivityFigures] = []

    def identity(self, element: etree._Element) -> None:
        for seller in element:
            local = local_name(seller)
            if local not in ("EntitySeller", "IndividualSeller"):
                continue
            self.kind = PartyKind.ORGANISATION if local == "EntitySeller" else PartyKind.INDIVIDUAL
            for form in seller:
                form_name = local_name(form)
                if form_name == "Standard":
                    self._standard(form)
                elif form_name == "GVS":
                    self.verification = _verification(form)
            return

    def _standard(self, element: etree._Element) -> None:
        for child in element:
            local = local_name(child)
            if local == "IndSellerID":
                self.party = individual(child, PartyRole.SELLER)
                self.vat = leaf_fields(child, {"VAT": "vat"}).get("vat")
            elif local == "EntSellerID":
                parts = _Entity()
                for part in child:
                    parts.take(local_name(part), part)
                self.party = parts.party(PartyRole.SELLER)
                self.vat, self.nexus = parts.vat, parts.nexus
                self.assumed_reporting = parts.assumed_reporting
                self.business_names = tuple(parts.business_names)
            elif local == "FinancialIdentifier":
                if (found := _financial_identifier(child)) is not None:
                    self.financial_identifiers.append(found)
            elif local == "PermanentEstablishments":
                self.permanent_establishments = tuple(
                    code for code in (text(country) for country in child) if code is not None
                )

    def activities(self, element: etree._Element) -> None:
        for child in element:
            local = local_name(child)
            if local == "ImmovableProperty":
                self.listings.extend(
                    _listing(listing) for listing in child if local_name(listing) == "PropertyListing"
                )
            elif (activity := _ACTIVITIES.get(local)) is not None:
                self.figures.append(_figures(child, activity))


def _verification(element: etree._Element) -> GovernmentVerification:
    values = leaf_fields(
        element,
        {
            "NameGVS": "name",
            "JurisdictionGVS": "jurisdiction",
            "ReferenceGVS": "reference",
            "OtherTINGVS": "other_tin",
        },
    )
    found = next((child for child in element if local_name(child) == "FinancialIdentifier"), None)
    return GovernmentVerification(
        name=values.get("name") or "",
        jurisdiction=values.get("jurisdiction") or "",
        reference=values.get("reference") or "",
        other_tin=values.get("other_tin"),
        financial_identifier=None if found is None else _financial_identifier(found),
    )


def _financial_identifier(element: etree._Element) -> FinancialIdentifier | None:
    identifier = next((child for child in element if local_name(child) == "Identifier"), None)
    value = text(identifier)
    if value is None:
        return None
    values = leaf_fields(element, {"AccountHolderName": "account_holder_name", "OtherInfo": "other_info"})
    return FinancialIdentifier(
        identifier=value, account_number_type=attribute(identifier, "AccountNumberType"), **values
    )


def _listing(element: etree._Element) -> PropertyListing:
    where: Address | None = None
    values = leaf_fields(
        element,
        {
            "LandRegistrationNumber": "land_registration_number",
            "PropertyType": "property_type",
            "OtherPropertyType": "other_property_type",
            "RentedDays": "rented_days",
        },
    )
    for child in element:
        if local_name(child) == "Address":
            where = address(child)
            break
    return PropertyListing(
        address=where or Address(country_code=""),
        figures=_figures(element, Activity.IMMOVABLE_PROPERTY),
        land_registration_number=values.get("land_registration_number"),
        property_type=values.get("property_type"),
        other_property_type=values.get("other_property_type"),
        rented_days=parse_int(values.get("rented_days")),
    )


def _figures(element: etree._Element, activity: Activity) -> ActivityFigures:
    amounts: dict[str, QuarterAmounts] = {}
    counts: tuple[int, ...] = (0, 0, 0, 0)
    for child in element:
        local = local_name(child)
        if (prefix := _QUARTERS.get(local)) is not None:
            amounts[local] = _quarter_amounts(child, prefix)
        elif local == "NumberOfActivities":
            numbers = leaf_fields(child, {f"NumbQ{quarter}": str(quarter) for quarter in range(1, 5)})
            counts = tuple(parse_int(numbers.get(str(quarter))) or 0 for quarter in range(1, 5))
    empty = QuarterAmounts((_ZERO,) * 4, ("",) * 4)
    return ActivityFigures(
        activity=activity,
        consideration=amounts.get("Consideration", empty),
        fees=amounts.get("Fees", empty),
        taxes=amounts.get("Taxes", empty),
        counts=counts,
    )


def _quarter_amounts(element: etree._Element, prefix: str) -> QuarterAmounts:
    found: dict[str, etree._Element] = {}
    for child in element:
        local = local_name(child)
        if local.startswith(prefix) and local not in found:
            found[local] = child
    quarters = [found.get(f"{prefix}{quarter}") for quarter in range(1, 5)]
    return QuarterAmounts(
        amounts=tuple(parse_decimal(text(quarter)) or _ZERO for quarter in quarters),
        currencies=tuple(attribute(quarter, "currCode") or "" for quarter in quarters),
    )
