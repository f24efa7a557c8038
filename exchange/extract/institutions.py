"""ReportingFI, Sponsor and Intermediary → ReportingFI records (one shape, three roles)."""

from __future__ import annotations

from lxml import etree

from exchange.extract.docspec import doc_spec
from exchange.extract.parties import addresses, organisation_identifiers, organisation_name
from exchange.extract.xmltext import child_text, child_texts, children
from exchange.records import FIRole, ReportingFI

ROLES = {"ReportingFI": FIRole.REPORTING_FI, "Sponsor": FIRole.SPONSOR, "Intermediary": FIRole.INTERMEDIARY}


def reporting_fi(
    element: etree._Element, role: FIRole, body_index: int, group_index: int
) -> ReportingFI | None:
    spec = doc_spec(element)
    if spec is None:
        return None
    return ReportingFI(
        doc_spec=spec,
        names=tuple(organisation_name(item) for item in children(element, "Name")),
        role=role,
        res_country_codes=child_texts(element, "ResCountryCode"),
        ins=organisation_identifiers(element),
        addresses=addresses(element),
        filer_category=child_text(element, "FilerCategory"),
        body_index=body_index,
        group_index=group_index,
        line=element.sourceline,
    )
