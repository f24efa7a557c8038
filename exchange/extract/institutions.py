"""ReportingFI, Sponsor and Intermediary → ReportingFI records (one shape, three roles)."""

from __future__ import annotations

from lxml import etree

from exchange.extract.docspec import doc_spec
from exchange.extract.parties import OrganisationParts
from exchange.extract.xmltext import local_name, text
from exchange.records import FIRole, ReportingFI

ROLES = {"ReportingFI": FIRole.REPORTING_FI, "Sponsor": FIRole.SPONSOR, "Intermediary": FIRole.INTERMEDIARY}


def reporting_fi(
    element: etree._Element, role: FIRole, body_index: int, group_index: int, path: str | None = None
) -> ReportingFI | None:
    spec_element = filer_category = None
    parts = OrganisationParts()
    for child in element:
        local = local_name(child)
        if parts.take(local, child):
            continue
        if local == "DocSpec":
            spec_element = spec_element if spec_element is not None else child
        elif local == "FilerCategory" and filer_category is None:
            filer_category = text(child)
    spec = doc_spec(spec_element)
    if spec is None:
        return None
    return ReportingFI(
        doc_spec=spec,
        names=tuple(parts.names),
        role=role,
        res_country_codes=tuple(parts.residences),
        ins=parts.identifiers(),
        addresses=tuple(parts.addresses),
        filer_category=filer_category,
        body_index=body_index,
        group_index=group_index,
        line=element.sourceline,
        path=path,
    )
