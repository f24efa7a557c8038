"""A synthetic Belgian registry: people and entities with valid identifiers, residence histories, tax
returns, means-tested benefits, and (kept aside, as ground truth) the accounts they hold abroad.

Deterministic by seed. A share of the people who hold an account abroad do not declare it, and some
benefit recipients hold large ones: the cases the product exists to find.
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cached_property

from exchange.records import PartyKind
from exchange.registry.data import (
    AddressData,
    BenefitData,
    CompanyData,
    DeclaredAccountData,
    DeclaredIncomeData,
    DeclaredPropertyData,
    TaxpayerData,
    TaxReturnData,
)
from exchange.registry.synthetic import numbers
from exchange.registry.synthetic.companies import companies_of
from exchange.registry.synthetic.names import (
    DUTCH,
    FLEMISH,
    FRENCH,
    GERMAN,
    LEGAL_FORMS,
    LUXEMBOURGISH,
    MEDITERRANEAN,
    ORGANISATION_PATTERNS,
    NameStyle,
)
from exchange.registry.synthetic.places import BRUSSELS_STREETS, PLACES, STREETS, Place
from exchange.registry.synthetic.platform_income import PlatformEarning, PlatformSide

ENTITY_SHARE = 0.03
BIS_SHARE = 0.02
HOLDER_SHARE = 0.07  # people with an account abroad
ENTITY_HOLDER_SHARE = 0.15
DECLARED_SHARE = 0.75
BENEFIT_SHARE = 0.06

# Which name styles live where, by the language of the municipality.
_STYLES: dict[str, tuple[tuple[NameStyle, ...], tuple[int, ...]]] = {
    "nl": ((FLEMISH, DUTCH, MEDITERRANEAN, FRENCH), (90, 3, 5, 2)),
    "fr": ((FRENCH, MEDITERRANEAN, LUXEMBOURGISH, FLEMISH), (86, 9, 2, 3)),
    "de": ((GERMAN, FRENCH, LUXEMBOURGISH), (80, 15, 5)),
    "bi": ((FRENCH, FLEMISH, MEDITERRANEAN, DUTCH, LUXEMBOURGISH), (50, 17, 28, 2, 3)),
}
_PLACE_WEIGHTS = list(itertools.accumulate(place.weight for place in PLACES))
_STYLE_WEIGHTS = {
    language: (styles, list(itertools.accumulate(weights))) for language, (styles, weights) in _STYLES.items()
}
CHUNK_TAXPAYERS = 50_000  # a national registry is generated (and loaded) this many taxpayers at a time


@dataclass(frozen=True, slots=True)
class Institution:
    name: str
    country: str
    identifier: str  # the institution's IN, as its country issues it
    bank_code: str
    account_digits: int


INSTITUTIONS: dict[str, tuple[Institution, ...]] = {
    "NL": (
        Institution("ING Bank N.V.", "NL", "NL003367972B01", "INGB", 10),
        Institution("ABN AMRO Bank N.V.", "NL", "NL820646660B01", "ABNA", 10),
        Institution("Coöperatieve Rabobank U.A.", "NL", "NL001797032B01", "RABO", 10),
        Institution("Triodos Bank N.V.", "NL", "NL807337546B01", "TRIO", 10),
    ),
    "LU": (
        Institution("Banque et Caisse d'Épargne de l'État", "LU", "LU11162103", "001", 13),
        Institution("BGL BNP Paribas", "LU", "LU15016416", "003", 13),
        Institution("Banque Internationale à Luxembourg", "LU", "LU11100019", "002", 13),
        Institution("Banque Raiffeisen", "LU", "LU15059404", "009", 13),
    ),
}


def institutions_of(country: str) -> tuple[Institution, ...]:
    """The banks of a sending country; a generic one for countries without a list here."""
    return INSTITUTIONS.get(
        country, (Institution(f"{country} Savings Bank", country, f"{country}0001", "0001", 12),)
    )


@dataclass(frozen=True, slots=True)
class ForeignHolding:
    """An account held abroad: what a sender's report will describe, and the truth behind it."""

    holder_id: str  # national identifier of a person or entity of the registry
    country: str
    institution: Institution
    account_number: str
    balance: Decimal
    interest: Decimal
    dividends: Decimal
    gains: Decimal
    declared: bool
    controlling_person_ids: tuple[str, ...] = ()


@dataclass
class Population:
    home: str
    year: int
    seed: int
    taxpayers: list[TaxpayerData] = field(default_factory=list)
    addresses: list[AddressData] = field(default_factory=list)
    returns: list[TaxReturnData] = field(default_factory=list)
    declared_accounts: list[DeclaredAccountData] = field(default_factory=list)
    benefits: list[BenefitData] = field(default_factory=list)
    declared_properties: list[DeclaredPropertyData] = field(default_factory=list)
    declared_income: list[DeclaredIncomeData] = field(default_factory=list)
    holdings: list[ForeignHolding] = field(default_factory=list)  # ground truth, not registry data
    platform_earnings: list[PlatformEarning] = field(default_factory=list)  # ground truth, likewise

    @cached_property
    def by_id(self) -> dict[str, TaxpayerData]:
        return {taxpayer.national_id: taxpayer for taxpayer in self.taxpayers}

    @cached_property
    def companies(self) -> list[CompanyData]:
        """The company registry's rows of the population's entities (synthetic/companies.py)."""
        return companies_of(self.seed, self.taxpayers, self.addresses_by_id)

    @cached_property
    def addresses_by_id(self) -> dict[str, list[AddressData]]:
        """Residence histories, current address first."""
        history: dict[str, list[AddressData]] = {}
        for address in self.addresses:
            history.setdefault(address.national_id, []).append(address)
        for entries in history.values():
            entries.sort(key=lambda a: (a.valid_to is not None, -a.valid_from.toordinal()))
        return history


def _money(value: float) -> Decimal:
    return Decimal(str(round(value, 2))).quantize(Decimal("0.01"))


class _UsedNumbers:
    """The national and enterprise numbers given out so far, one bit each: at 12 million taxpayers a
    set of strings would take a gigabyte, these bitmaps 60 MB."""

    def __init__(self, oldest: int, youngest: int) -> None:
        self.oldest = oldest
        self.people = bytearray((youngest - oldest + 1) * 2 * 1000 // 8 + 1)
        self.entities = bytearray(10_000_000 // 8 + 1)

    @staticmethod
    def _take(bits: bytearray, index: int) -> bool:
        """Mark the number used; False when it already was."""
        byte, bit = divmod(index, 8)
        if bits[byte] >> bit & 1:
            return False
        bits[byte] |= 1 << bit
        return True

    def person(self, born: date, serial: int, bis: bool) -> bool:
        return self._take(self.people, ((born.toordinal() - self.oldest) * 2 + bis) * 1000 + serial)

    def entity(self, body: int) -> bool:
        return self._take(self.entities, body)


class _Builder:
    def __init__(self, size: int, seed: int, year: int, home: str, abroad: tuple[str, ...]) -> None:
        self.rng = random.Random(seed)
        self.size = size
        self.seed = seed
        self.year = year
        self.home = home
        self.abroad = abroad
        self.population = Population(home, year, seed)
        self.persons: list[TaxpayerData] = []
        self.oldest = date(year - 95, 1, 1).toordinal()
        self.youngest = date(year - 18, 12, 31).toordinal()
        self.used = _UsedNumbers(self.oldest, self.youngest)
        self.platforms = PlatformSide(seed, year, abroad)

    def chunks(self, chunk: int) -> Iterator[Population]:
        """The population a chunk of taxpayers at a time, each chunk with its own holdings (entities'
        controlling persons are chosen among the chunk's people); the first chunk is what a
        population of at most `chunk` taxpayers is."""
        made = 0
        while made < self.size:
            self.population = Population(self.home, self.year, self.seed)
            self.persons = []
            for _ in range(min(chunk, self.size - made)):
                if self.rng.random() < ENTITY_SHARE:
                    self._entity()
                else:
                    self._person()
            self._entity_holdings()
            made += len(self.population.taxpayers)
            yield self.population

    # -- people -----------------------------------------------------------------------------------

    def _place(self) -> Place:
        return self.rng.choices(PLACES, cum_weights=_PLACE_WEIGHTS)[0]

    def _style(self, place: Place) -> NameStyle:
        styles, weights = _STYLE_WEIGHTS[place.language]
        return self.rng.choices(styles, cum_weights=weights)[0]

    def _given_names(self, style: NameStyle, female: bool) -> str:
        pool = style.female if female else style.male
        count = 1 + (self.rng.random() < 0.45) + (self.rng.random() < 0.10)
        return " ".join(dict.fromkeys(self.rng.choice(pool) for _ in range(count)))

    def _national_id(self, born: date, female: bool, bis: bool) -> str:
        while True:
            serial = self.rng.randrange(2 if female else 1, 998, 2)
            if self.used.person(born, serial, bis):
                return numbers.be_national_number(born, serial, bis)

    def _person(self) -> None:
        rng = self.rng
        place = self._place()
        style = self._style(place)
        female = rng.random() < 0.5
        born = date.fromordinal(rng.randint(self.oldest, self.youngest))
        bis = rng.random() < BIS_SHARE
        person = TaxpayerData(
            national_id=self._national_id(born, female, bis),
            kind=PartyKind.INDIVIDUAL,
            id_country=self.population.home,
            given_names=self._given_names(style, female),
            family_name=rng.choice(style.family),
            birth_date=born,
        )
        self.population.taxpayers.append(person)
        self.persons.append(person)
        self._residence_history(person.national_id, place, born)
        benefit = self._benefits(person.national_id, born)
        holding = self._holding(person.national_id, more_likely=benefit)
        self._tax_return(person.national_id, holding)
        population = self.population
        self.platforms.person(
            person, population.platform_earnings, population.declared_properties, population.declared_income
        )

    def _street(self, place: Place) -> str:
        if place.language == "bi":
            french, dutch = self.rng.choice(BRUSSELS_STREETS)
            return french if self.rng.random() < 0.7 else dutch
        return self.rng.choice(STREETS[place.language])

    def _address(self, national_id: str, place: Place, since: date, until: date | None) -> AddressData:
        number = str(self.rng.randint(1, 250))
        if self.rng.random() < 0.2:  # a flat: box number in the language of the place
            number += (" bus " if place.language == "nl" else " bte ") + str(self.rng.randint(1, 40))
        return AddressData(
            national_id=national_id,
            valid_from=since,
            valid_to=until,
            country_code="BE",
            street=self._street(place),
            house_number=number,
            post_code=place.post_code,
            city=place.city,
            id_country=self.population.home,
        )

    def _residence_history(self, national_id: str, place: Place, born: date) -> None:
        rng = self.rng
        moves = (rng.random() < 0.35) + (rng.random() < 0.10)
        today = date(self.year, 12, 31).toordinal()
        adult = min(born.toordinal() + 18 * 365, today - 400)
        starts = sorted(rng.sample(range(adult, today - 30), moves + 1))  # distinct: valid_from is a key
        places = [self._place() if rng.random() < 0.5 else place for _ in range(moves)] + [place]
        for index, (start, where) in enumerate(zip(starts, places, strict=True)):
            until = date.fromordinal(starts[index + 1] - 1) if index < moves else None
            self.population.addresses.append(
                self._address(national_id, where, date.fromordinal(start), until)
            )

    def _benefits(self, national_id: str, born: date) -> bool:
        if self.rng.random() >= BENEFIT_SHARE:
            return False
        elderly = self.year - born.year >= 65
        kind = "income_guarantee_elderly" if elderly else "integration_income"
        amount = _money(self.rng.uniform(9_000, 16_000))
        self.population.benefits.append(
            BenefitData(national_id, self.year, kind, amount, id_country=self.population.home)
        )
        return True

    def _holding(
        self, holder_id: str, *, more_likely: bool = False, controlling: tuple[str, ...] = ()
    ) -> ForeignHolding | None:
        rng = self.rng
        share = ENTITY_HOLDER_SHARE if controlling else HOLDER_SHARE * (1.6 if more_likely else 1.0)
        if not self.abroad or rng.random() >= share:
            return None
        country = rng.choice(self.abroad)
        institution = rng.choice(institutions_of(country))
        balance = math.exp(rng.gauss(10.0, 1.4))
        holding = ForeignHolding(
            holder_id=holder_id,
            country=country,
            institution=institution,
            account_number=numbers.iban(country, institution.bank_code, institution.account_digits, rng),
            balance=_money(balance),
            interest=_money(balance * rng.uniform(0.001, 0.025)),
            dividends=_money(balance * rng.uniform(0.01, 0.04)) if rng.random() < 0.3 else Decimal("0.00"),
            gains=_money(balance * rng.uniform(0.01, 0.10)) if rng.random() < 0.1 else Decimal("0.00"),
            declared=rng.random() < DECLARED_SHARE,
            controlling_person_ids=controlling,
        )
        self.population.holdings.append(holding)
        return holding

    def _tax_return(self, national_id: str, holding: ForeignHolding | None) -> None:
        rng = self.rng
        declared = holding is not None and holding.declared
        # Some who declare the account still declare less income from it than the bank reports.
        factor = (
            Decimal(str(round(rng.uniform(0.3, 0.9), 2))) if declared and rng.random() < 0.15 else Decimal(1)
        )
        # In cents before they are summed: the total is an amount of the registry too.
        cent = Decimal("0.01")
        interest = (holding.interest * factor).quantize(cent) if declared and holding else Decimal("0.00")
        dividends = (holding.dividends * factor).quantize(cent) if declared and holding else Decimal("0.00")
        gains = (holding.gains * factor).quantize(cent) if declared and holding else Decimal("0.00")
        home = self.population.home
        self.population.returns.append(
            TaxReturnData(
                national_id=national_id,
                tax_year=self.year,
                total_income=_money(math.exp(rng.gauss(10.4, 0.6))) + interest + dividends + gains,
                foreign_interest=interest,
                foreign_dividends=dividends,
                foreign_gains=gains,
                id_country=home,
            )
        )
        if declared and holding is not None:
            self.population.declared_accounts.append(
                DeclaredAccountData(national_id, self.year, holding.country, holding.institution.name, home)
            )

    # -- entities ---------------------------------------------------------------------------------

    def _entity(self) -> None:
        rng = self.rng
        place = self._place()
        style = self._style(place)
        pattern = rng.choice(ORGANISATION_PATTERNS)
        forms = LEGAL_FORMS["flemish" if place.language == "nl" else "french"]
        name = pattern.format(family=rng.choice(style.family), city=place.city) + " " + rng.choice(forms)
        while not self.used.entity(int((number := numbers.be_enterprise_number(rng))[:8])):
            pass
        home = self.population.home
        self.population.taxpayers.append(
            TaxpayerData(number, PartyKind.ORGANISATION, home, organisation_name=name)
        )
        founded = date.fromordinal(
            rng.randint(date(1970, 1, 1).toordinal(), date(self.year, 1, 1).toordinal())
        )
        self.population.addresses.append(self._address(number, place, founded, None))

    def _entity_holdings(self) -> None:
        """Entities abroad hold accounts as passive NFEs, reported with their controlling persons."""
        if not self.persons:
            return
        for entity in [t for t in self.population.taxpayers if t.kind is PartyKind.ORGANISATION]:
            count = 1 + (self.rng.random() < 0.4)
            controlling = tuple(self.rng.choice(self.persons).national_id for _ in range(count))
            self._holding(entity.national_id, controlling=tuple(dict.fromkeys(controlling)))


def generate_population(
    size: int, seed: int = 0, *, year: int = 2025, home: str = "BE", abroad: tuple[str, ...] = ("NL", "LU")
) -> Population:
    """`size` taxpayers (about 3% entities) resident in `home`, some holding accounts in `abroad`."""
    whole = Population(home, year, seed)
    for chunk in iter_population(size, seed, year=year, home=home, abroad=abroad):
        whole.taxpayers += chunk.taxpayers
        whole.addresses += chunk.addresses
        whole.returns += chunk.returns
        whole.declared_accounts += chunk.declared_accounts
        whole.benefits += chunk.benefits
        whole.holdings += chunk.holdings
        whole.declared_properties += chunk.declared_properties
        whole.declared_income += chunk.declared_income
        whole.platform_earnings += chunk.platform_earnings
    return whole


def iter_population(
    size: int,
    seed: int = 0,
    *,
    year: int = 2025,
    home: str = "BE",
    abroad: tuple[str, ...] = ("NL", "LU"),
    chunk: int | None = None,
) -> Iterator[Population]:
    """The same population as `generate_population`, streamed `chunk` taxpayers at a time, so that a
    national registry is generated and loaded in the memory of one chunk (CHUNK_TAXPAYERS unless
    `chunk` is given)."""
    if home != "BE":
        raise ValueError("the synthetic registry models Belgium only (home BE)")
    return _Builder(size, seed, year, home, abroad).chunks(chunk or CHUNK_TAXPAYERS)
