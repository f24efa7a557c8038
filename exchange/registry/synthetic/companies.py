"""The synthetic company registry: every entity of a synthetic population as a company (enterprise
number, VAT number, legal form, registered address, main activity), and a share of Dutch and
Luxembourg companies with a Belgian establishment.

Derived from the population rather than drawn with its random stream, each company from a generator
seeded by the population's seed and the entity's number: the population of a seed stays what it was,
and its companies are the same at every run.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from exchange.records import PartyKind
from exchange.registry.data import AddressData, CompanyData, TaxpayerData
from exchange.registry.synthetic import numbers
from exchange.registry.synthetic.names import LEGAL_FORMS

FOREIGN_SHARE = 0.1  # of the entities, how many have a Dutch or Luxembourg sister company here
_FORMS = frozenset(form for forms in LEGAL_FORMS.values() for form in forms)
_FOREIGN_FORMS = {"NL": ("B.V.", "N.V."), "LU": ("S.A.", "S.à r.l.")}
# NACE Rev. 2 codes of what each name pattern says the company does (the first word that fits wins).
_ACTIVITIES = (
    ("Immo", "68.20"),
    ("Patrimoine", "68.20"),
    ("Boulangerie", "10.71"),
    ("Garage", "45.20"),
    ("Consult", "70.22"),
    ("Invest", "64.30"),
    ("Holding", "64.20"),
    ("Bouwbedrijf", "41.20"),
    ("Transport", "49.41"),
    ("Advocaten", "69.10"),
    ("Pharmacie", "47.73"),
    ("Zonen", "46.90"),
)


def activity_of(name: str) -> str:
    return next((code for word, code in _ACTIVITIES if word in name), "82.99")


def _company(entity: TaxpayerData, address: AddressData | None) -> CompanyData:
    name = entity.organisation_name or ""
    last = name.rsplit(" ", 1)[-1]
    return CompanyData(
        enterprise_number=entity.national_id,
        name=name,
        country="BE",
        vat_number="BE" + entity.national_id,
        legal_form=last if last in _FORMS else None,
        street=address.street if address else None,
        house_number=address.house_number if address else None,
        post_code=address.post_code if address else None,
        city=address.city if address else None,
        country_code="BE",
        activity=activity_of(name),
    )


def _sister(company: CompanyData, rng: random.Random) -> CompanyData:
    """A Dutch or Luxembourg company of the same name with an establishment at the same address."""
    country = rng.choice(("NL", "LU"))
    base = company.name.rsplit(" ", 1)[0] if company.legal_form else company.name
    if country == "NL":
        enterprise, vat = f"{rng.randint(10_000_000, 99_999_999)}", numbers.nl_bsn(rng) + "B01"
    else:
        enterprise, body = f"B{rng.randint(10_000, 299_999)}", rng.randint(100_000, 999_999)
        vat = f"{body}{body % 89:02d}"
    return CompanyData(
        enterprise_number=enterprise,
        name=f"{base} {rng.choice(_FOREIGN_FORMS[country])}",
        country=country,
        vat_number=country + vat,
        legal_form=None,
        street=company.street,
        house_number=company.house_number,
        post_code=company.post_code,
        city=company.city,
        country_code="BE",
        activity=company.activity,
    )


def companies_of(
    seed: int, taxpayers: Sequence[TaxpayerData], addresses: dict[str, list[AddressData]]
) -> list[CompanyData]:
    """The companies of a population's entities (`addresses`: residence histories, current first)."""
    found: list[CompanyData] = []
    for entity in taxpayers:
        if entity.kind is not PartyKind.ORGANISATION:
            continue
        history = addresses.get(entity.national_id)
        company = _company(entity, history[0] if history else None)
        found.append(company)
        rng = random.Random(f"{seed}:{entity.national_id}")
        if rng.random() < FOREIGN_SHARE:
            found.append(_sister(company, rng))
    return found
