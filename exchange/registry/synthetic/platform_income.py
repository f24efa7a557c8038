"""What digital platforms abroad pay some residents of a synthetic population (kept aside, as ground
truth, for the DPI files a demo or a bench writes about them), and what their returns declare of it:
income by DPI activity type, and the properties they let, with their land registration numbers.

Most earners declare what they earn; some declare less than the platform paid (fewer days, a lower
rent), and some declare nothing: the cases PF01 and PF03 exist to find. Other residents let a property
at home without any platform, declared as such. Drawn from a random stream of its own, so that the
rest of the population of a seed stays what it was.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from decimal import Decimal

from exchange.records import Activity
from exchange.registry.data import DeclaredIncomeData, DeclaredPropertyData, TaxpayerData

EARNER_SHARE = 0.05  # residents paid by a platform abroad in the year
HOME_LANDLORD_SHARE = 0.03  # residents who declare a property let at home, without a platform
DECLARED_SHARE = 0.7  # earners whose return declares the platform income
UNDER_DECLARED_SHARE = 0.25  # of those, how many declare less than they were paid
ACTIVITY_WEIGHTS = (
    (Activity.IMMOVABLE_PROPERTY, 45),
    (Activity.PERSONAL_SERVICES, 25),
    (Activity.SALE_OF_GOODS, 15),
    (Activity.TRANSPORTATION_RENTAL, 15),
)

# Places abroad where residents let property through a platform: city, post code, streets.
_ABROAD: dict[str, tuple[tuple[str, str, tuple[str, ...]], ...]] = {
    "NL": (
        ("Amsterdam", "1015", ("Prinsengracht", "Keizersgracht", "Herengracht", "Jordaanstraat")),
        ("Rotterdam", "3011", ("Witte de Withstraat", "Coolsingel", "Nieuwe Binnenweg")),
        ("Maastricht", "6211", ("Boschstraat", "Wycker Brugstraat", "Stokstraat")),
        ("Vlissingen", "4381", ("Boulevard de Ruyter", "Walstraat")),
    ),
    "LU": (
        ("Luxembourg", "1330", ("Boulevard Royal", "Rue de la Boucherie", "Avenue de la Liberté")),
        ("Esch-sur-Alzette", "4010", ("Rue de l'Alzette", "Boulevard Kennedy")),
        ("Vianden", "9401", ("Grand-Rue", "Rue du Vieux Marché")),
    ),
}
_HOME = (
    ("Gent", "9000", ("Veldstraat", "Korenmarkt", "Sint-Pietersnieuwstraat")),
    ("Oostende", "8400", ("Zeedijk", "Kapellestraat")),
    ("Bruxelles", "1000", ("Rue Haute", "Boulevard Anspach", "Rue Neuve")),
    ("Antwerpen", "2000", ("Meir", "Nationalestraat")),
)


@dataclass(frozen=True, slots=True)
class LetProperty:
    country_code: str
    city: str
    post_code: str
    street: str
    house_number: str
    land_registration_number: str
    property_type: str  # DPI901-910


@dataclass(frozen=True, slots=True)
class PlatformEarning:
    """What one platform of `country` paid one resident in the year: the truth a DPI report describes."""

    seller_id: str  # national identifier of the resident
    country: str  # where the platform operator reports from
    activity: Activity
    consideration: Decimal  # whole euros, as DPI reports them
    declared: Decimal  # what the return declares of it (0: nothing)
    let: LetProperty | None = None  # immovable property: the property let
    rented_days: int | None = None
    declared_days: int | None = None


def _land_registration_number(country: str, rng: random.Random) -> str:
    """Cadastral parcel numbers in the style of each country (synthetic; the formats are uncertain)."""
    section, parcel = rng.choice("ABCDEK"), rng.randint(1, 9999)
    if country == "NL":
        return f"{rng.choice(('ASD', 'RTD', 'MST', 'VLS'))}{rng.randint(1, 20):02d}-{section}-{parcel}"
    if country == "LU":
        return f"{rng.randint(100, 999)}/{parcel}"
    return f"{rng.randint(11, 46)}{rng.randint(1, 9)} {section} {parcel}/{rng.randint(1, 99):02d}"


def _property(country: str, rng: random.Random) -> LetProperty:
    city, post_code, streets = rng.choice(_ABROAD.get(country, _HOME))
    return LetProperty(
        country_code=country,
        city=city,
        post_code=post_code,
        street=rng.choice(streets),
        house_number=str(rng.randint(1, 180)),
        land_registration_number=_land_registration_number(country, rng),
        property_type=rng.choice(("DPI903", "DPI903", "DPI904", "DPI910")),
    )


def _declared_property(
    person: TaxpayerData,
    year: int,
    line: int,
    let: LetProperty,
    income: Decimal,
    days: int | None,
    rng: random.Random,
) -> DeclaredPropertyData:
    # Some returns give the property without its land registration number: matched by address.
    number = let.land_registration_number if rng.random() < 0.85 else None
    return DeclaredPropertyData(
        national_id=person.national_id,
        tax_year=year,
        line=line,
        city=let.city,
        rental_income=income,
        country_code=let.country_code,
        street=let.street,
        house_number=let.house_number,
        post_code=let.post_code,
        land_registration_number=number,
        rented_days=days,
        id_country=person.id_country,
    )


@dataclass
class PlatformSide:
    """Platform earnings and declarations of each person in turn, from one random stream of the seed."""

    seed: int
    year: int
    abroad: tuple[str, ...]

    def __post_init__(self) -> None:
        self.rng = random.Random(f"{self.seed}-platforms")

    def person(
        self,
        person: TaxpayerData,
        earnings: list[PlatformEarning],
        properties: list[DeclaredPropertyData],
        income: list[DeclaredIncomeData],
    ) -> None:
        rng, year, home = self.rng, self.year, person.id_country
        if rng.random() < HOME_LANDLORD_SHARE:
            at_home = _property(home, rng)
            rent = Decimal(rng.randint(6_000, 14_000))
            properties.append(_declared_property(person, year, 1, at_home, rent, None, rng))
        if not self.abroad or rng.random() >= EARNER_SHARE:
            return
        country = rng.choice(self.abroad)
        activity = rng.choices([a for a, _ in ACTIVITY_WEIGHTS], [w for _, w in ACTIVITY_WEIGHTS])[0]
        paid = Decimal(round(math.exp(rng.gauss(8.6, 0.8))))  # a median of about 5,400
        share = Decimal(1)
        if rng.random() >= DECLARED_SHARE:
            share = Decimal(0)
        elif rng.random() < UNDER_DECLARED_SHARE:
            share = Decimal(str(round(rng.uniform(0.3, 0.7), 2)))
        declared = (paid * share).quantize(Decimal("0.01"))
        let: LetProperty | None = None
        days: int | None = None
        declared_days: int | None = None
        if activity is Activity.IMMOVABLE_PROPERTY:
            let = _property(country, rng)
            days = min(max(int(paid / rng.randint(70, 140)), 1), 365)
            if share:
                declared_days = max(int(days * share), 1)
                line = 1 + sum(p.national_id == person.national_id for p in properties[-1:])
                properties.append(_declared_property(person, year, line, let, declared, declared_days, rng))
        if share:
            income.append(DeclaredIncomeData(person.national_id, year, activity.value, declared, home))
        earnings.append(
            PlatformEarning(person.national_id, country, activity, paid, declared, let, days, declared_days)
        )
