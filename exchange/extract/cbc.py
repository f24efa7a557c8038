"""CbC v2.0 (DAC4) elements → records: ReportingEntity (a ReportingFI), CbcReports (one jurisdiction's
summary and constituent entities) and AdditionalInfo.

Each element's children are walked once and taken by local name; the schema pass has judged the shape.
"""

from __future__ import annotations

from decimal import Decimal

from lxml import etree

from exchange.extract.docspec import doc_spec
from exchange.extract.parties import OrganisationParts
from exchange.extract.xmltext import (
    attribute,
    leaf_fields,
    local_name,
    parse_date,
    parse_decimal,
    parse_int,
    text,
)
from exchange.records import (
    TIN,
    CbcAdditionalInfo,
    CbcReport,
    CbcSummary,
    ConstituentEntity,
    FIRole,
    Party,
    PartyKind,
    PartyRole,
    ReportingFI,
)

_AMOUNTS = ("ProfitOrLoss", "TaxPaid", "TaxAccrued", "Capital", "Earnings", "Assets")
_REVENUES = ("Unrelated", "Related", "Total")
_ZERO = Decimal(0)


def _entity_parts(element: etree._Element | None) -> OrganisationParts:
    """A CbC OrganisationParty: its one TIN and its INs are kept together, the INs with their INType."""
    parts = OrganisationParts()
    if element is not None:
        for child in element:
            parts.take(local_name(child), child)
    return parts


def _identifiers(parts: OrganisationParts) -> tuple[TIN, ...]:
    # CbC's IN may omit INType: mark it, so that a TIN and an IN stay apart in the store.
    ins = tuple(tin if tin.in_type else TIN(tin.value, tin.issued_by, in_type="IN") for tin in parts.ins)
    return (*parts.tins, *ins)


def reporting_entity(element: etree._Element, body_index: int, path: str | None = None) -> ReportingFI | None:
    spec_element = entity = period = None
    values: dict[str, str | None] = {}
    for child in element:
        local = local_name(child)
        if local == "DocSpec" and spec_element is None:
            spec_element = child
        elif local == "Entity" and entity is None:
            entity = child
        elif local == "ReportingPeriod" and period is None:
            period = child
        elif local in ("NameMNEGroup", "ReportingRole") and local not in values:
            values[local] = text(child)
    spec = doc_spec(spec_element)
    if spec is None:
        return None
    parts = _entity_parts(entity)
    dates = {} if period is None else leaf_fields(period, {"StartDate": "start", "EndDate": "end"})
    return ReportingFI(
        doc_spec=spec,
        names=tuple(parts.names),
        role=FIRole.REPORTING_FI,
        res_country_codes=tuple(parts.residences),
        ins=_identifiers(parts),
        addresses=tuple(parts.addresses),
        mne_group_name=values.get("NameMNEGroup"),
        reporting_role=values.get("ReportingRole"),
        period_start=parse_date(dates.get("start")),
        period_end=parse_date(dates.get("end")),
        element="ReportingEntity",
        body_index=body_index,
        line=element.sourceline,
        path=path,
    )


def cbc_report(element: etree._Element, body_index: int, path: str | None = None) -> CbcReport | None:
    spec_element = summary = None
    country: str | None = None
    entities: list[ConstituentEntity] = []
    for child in element:
        local = local_name(child)
        if local == "DocSpec" and spec_element is None:
            spec_element = child
        elif local == "ResCountryCode" and country is None:
            country = text(child)
        elif local == "Summary" and summary is None:
            summary = child
        elif local == "ConstEntities":
            entities.append(_constituent(child))
    spec = doc_spec(spec_element)
    if spec is None:
        return None
    return CbcReport(
        doc_spec=spec,
        res_country_code=country or "",
        summary=_summary(summary),
        entities=tuple(entities),
        body_index=body_index,
        line=element.sourceline,
        path=path,
    )


def additional_info(
    element: etree._Element, body_index: int, path: str | None = None
) -> CbcAdditionalInfo | None:
    spec_element = None
    texts: list[str] = []
    countries: list[str] = []
    refs: list[str] = []
    for child in element:
        local = local_name(child)
        value = text(child)
        if local == "DocSpec" and spec_element is None:
            spec_element = child
        elif value is None:
            continue
        elif local == "OtherInfo":
            texts.append(value)
        elif local == "ResCountryCode":
            countries.append(value)
        elif local == "SummaryRef":
            refs.append(value)
    spec = doc_spec(spec_element)
    if spec is None:
        return None
    return CbcAdditionalInfo(
        doc_spec=spec,
        other_info=tuple(texts),
        res_country_codes=tuple(countries),
        summary_refs=tuple(refs),
        body_index=body_index,
        line=element.sourceline,
        path=path,
    )


def _constituent(element: etree._Element) -> ConstituentEntity:
    entity = None
    activities: list[str] = []
    values: dict[str, str | None] = {}
    for child in element:
        local = local_name(child)
        if local == "ConstEntity" and entity is None:
            entity = child
        elif local == "BizActivities" and (code := text(child)) is not None:
            activities.append(code)
        elif local in ("Role", "IncorpCountryCode", "OtherEntityInfo") and local not in values:
            values[local] = text(child)
    parts = _entity_parts(entity)
    party = Party(
        kind=PartyKind.ORGANISATION,
        role=PartyRole.HOLDER,
        names=tuple(parts.names),
        res_country_codes=tuple(parts.residences),
        tins=_identifiers(parts),
        addresses=tuple(parts.addresses),
    )
    return ConstituentEntity(
        party=party,
        biz_activities=tuple(activities),
        role=values.get("Role"),
        incorp_country_code=values.get("IncorpCountryCode"),
        other_entity_info=values.get("OtherEntityInfo"),
    )


def _summary(element: etree._Element | None) -> CbcSummary:
    found: dict[str, etree._Element] = {}
    if element is not None:
        for child in element:
            local = local_name(child)
            if local == "Revenues":
                for part in child:
                    found.setdefault(f"Revenues{local_name(part)}", part)
            else:
                found.setdefault(local, child)
    order = [*(f"Revenues{name}" for name in _REVENUES), *_AMOUNTS]
    amounts = {name: parse_decimal(text(found.get(name))) or _ZERO for name in order}
    return CbcSummary(
        revenues_unrelated=amounts["RevenuesUnrelated"],
        revenues_related=amounts["RevenuesRelated"],
        revenues_total=amounts["RevenuesTotal"],
        profit_or_loss=amounts["ProfitOrLoss"],
        tax_paid=amounts["TaxPaid"],
        tax_accrued=amounts["TaxAccrued"],
        capital=amounts["Capital"],
        earnings=amounts["Earnings"],
        assets=amounts["Assets"],
        employees=parse_int(text(found.get("NbEmployees"))) or 0,
        currencies=tuple(attribute(found.get(name), "currCode") or "" for name in order),
    )
