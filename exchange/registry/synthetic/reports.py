"""What a sending country reports about the accounts our residents hold there, garbled the way real
files are, with the truth (who each reported party really is) kept beside each report.

The reports are `exchange.records` objects, so the demo can write them as CRS XML and the matcher can
read them exactly as it reads a stored file.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

from exchange.records import (
    TIN,
    AccountReport,
    Address,
    AddressFix,
    DocSpec,
    Name,
    Party,
    PartyKind,
    PartyRole,
    Payment,
    ReportingFI,
)
from exchange.registry.data import AddressData, TaxpayerData
from exchange.registry.synthetic import noise
from exchange.registry.synthetic.noise import NoiseRates
from exchange.registry.synthetic.places import BRUSSELS_STREETS, PLACES
from exchange.registry.synthetic.population import (
    ForeignHolding,
    Institution,
    Population,
    generate_population,
)

UNREGISTERED_SHARE = 0.08
_OTHER_CITY_NAME = {place.city: place.other_name for place in PLACES if place.other_name}
_OTHER_STREET_NAME = {a: b for a, b in BRUSSELS_STREETS} | {b: a for a, b in BRUSSELS_STREETS}
_PARTICLES = ("van der ", "van den ", "van de ", "van ", "de ", "den ", "ter ", "ten ")


@dataclass(frozen=True, slots=True)
class SyntheticReport:
    report: AccountReport
    institution: Institution
    truth: tuple[
        str | None, ...
    ]  # national id of the holder, then of each controlling person; None: not registered
    noise: tuple[tuple[str, ...], ...]  # what was garbled, per party in the same order

    @property
    def parties(self) -> tuple[Party, ...]:
        return (self.report.holder, *self.report.controlling_persons)


def reporting_fi(institution: Institution, doc_ref_id: str) -> ReportingFI:
    """The ReportingFI record of an institution, for writing its reports as a file."""
    return ReportingFI(
        doc_spec=DocSpec("OECD1", doc_ref_id),
        names=(Name(full=institution.name),),
        res_country_codes=(institution.country,),
        ins=(TIN(institution.identifier, issued_by=institution.country),),
        addresses=(Address(institution.country, free=f"{institution.name}, {institution.country}"),),
    )


class _Reporter:
    def __init__(self, population: Population, sender: str, seed: int, rates: NoiseRates) -> None:
        self.population = population
        self.sender = sender
        self.seed = seed
        self.rates = rates
        self.rng = random.Random(f"{seed}-{sender}-reports")
        self.person_ids = [t.national_id for t in population.taxpayers if t.kind is PartyKind.INDIVIDUAL]
        self.count = 0

    def report(
        self,
        holding: ForeignHolding,
        people: dict[str, TaxpayerData],
        homes: dict[str, list[AddressData]],
        registered: bool,
    ) -> SyntheticReport:
        holder = people[holding.holder_id]
        parties, truths, noises = [], [], []
        holder_party, holder_noise = self._party(holder, homes.get(holder.national_id, []), PartyRole.HOLDER)
        parties.append(holder_party)
        truths.append(holder.national_id if registered else None)
        noises.append(holder_noise)
        controlling = []
        for person_id in holding.controlling_person_ids:
            party, labels = self._party(
                people[person_id], homes.get(person_id, []), PartyRole.CONTROLLING_PERSON
            )
            controlling.append(party)
            truths.append(person_id if registered else None)
            noises.append(labels)
        self.count += 1
        payments = [
            Payment(code, amount, "EUR")
            for code, amount in (
                ("CRS502", holding.interest),
                ("CRS501", holding.dividends),
                ("CRS503", holding.gains),
            )
            if amount > 0
        ]
        report = AccountReport(
            doc_spec=DocSpec("OECD1", f"{self.sender}{self.population.year}BE-{self.seed}-{self.count:07d}"),
            account_number=holding.account_number,
            account_number_type="OECD601",
            holder=holder_party,
            controlling_persons=tuple(controlling),
            balance=holding.balance,
            currency="EUR",
            payments=tuple(payments),
        )
        return SyntheticReport(report, holding.institution, tuple(truths), tuple(noises))

    # -- parties ----------------------------------------------------------------------------------

    def _party(
        self, taxpayer: TaxpayerData, history: list[AddressData], role: PartyRole
    ) -> tuple[Party, tuple[str, ...]]:
        labels: list[str] = []
        address = self._address(history, labels)
        tins = self._tins(taxpayer, labels)
        if taxpayer.kind is PartyKind.ORGANISATION:
            name = self._organisation_name(taxpayer.organisation_name or "", labels)
            party = Party(
                kind=PartyKind.ORGANISATION,
                names=(Name(full=name),),
                role=role,
                res_country_codes=("BE",),
                tins=tins,
                addresses=address,
                acct_holder_type="CRS101",
            )
            return party, tuple(labels)
        party = Party(
            kind=PartyKind.INDIVIDUAL,
            names=(self._person_name(taxpayer, labels),),
            role=role,
            res_country_codes=("BE",),
            tins=tins,
            addresses=address,
            birth_date=self._birth_date(taxpayer.birth_date, labels),
            ctrlg_person_types=("CRS801",) if role is PartyRole.CONTROLLING_PERSON else (),
        )
        return party, tuple(labels)

    def _spell(self, text: str, labels: list[str], what: str) -> str:
        rng, rates = self.rng, self.rates
        if rng.random() < rates.transliterated and noise.transliterate(rng, text) != text:
            labels.append(f"{what} transliterated")
            text = noise.transliterate(rng, text)
        if rng.random() < rates.name_typo:
            labels.append(f"{what} typo")
            text = noise.typo(rng, text)
        return text

    def _person_name(self, taxpayer: TaxpayerData, labels: list[str]) -> Name:
        rng, rates = self.rng, self.rates
        given = (taxpayer.given_names or "").split()
        family = self._spell(taxpayer.family_name or "", labels, "family name")
        first = self._spell(given[0], labels, "given name") if given else "NFN"
        middle = tuple(given[1:])
        if middle and rng.random() < rates.middle_names_dropped:
            middle = ()
        if rng.random() < rates.initial_only:
            labels.append("initial only")
            first = first[0] + "."
        elif rng.random() < rates.no_first_name:
            labels.append("no first name")
            first, middle = "NFN", ()
        prefix = None
        lowered = family.lower()
        particle = next((p for p in _PARTICLES if lowered.startswith(p)), None)
        if particle and self.sender == "NL" and rng.random() < 0.6:  # Dutch files split the particle off
            prefix, family = family[: len(particle) - 1], family[len(particle) :]
        if rng.random() < rates.swapped_names:
            labels.append("names swapped")
            first, family, prefix, middle = family, first, None, ()
        return Name(first=first, middle=middle, last=family, name_prefix=prefix, name_type="OECD202")

    def _organisation_name(self, name: str, labels: list[str]) -> str:
        rng = self.rng
        words = name.split()
        if len(words) > 1 and rng.random() < 0.4:
            labels.append("legal form changed")
            form = words[-1]
            dotted = ".".join(form) + "." if form.isupper() else form.upper()
            words[-1] = rng.choice([dotted, "", form.lower()])
        text = " ".join(word for word in words if word)
        if rng.random() < self.rates.name_typo:
            labels.append("name typo")
            text = noise.typo(rng, text)
        return text

    def _birth_date(self, born: date | None, labels: list[str]) -> date | None:
        rng, rates = self.rng, self.rates
        if born is None or rng.random() < rates.birth_date_missing:
            labels.append("birth date missing")
            return None
        if rng.random() < rates.birth_date_typo:
            labels.append("birth date typo")
            return noise.birth_date_typo(rng, born)
        if born.day <= 12 and rng.random() < rates.day_month_swapped:
            labels.append("day and month swapped")
            return noise.day_month_swapped(born)
        return born

    def _address(self, history: list[AddressData], labels: list[str]) -> tuple[Address, ...]:
        rng, rates = self.rng, self.rates
        if not history:
            return ()
        address = history[0]
        if len(history) > 1 and rng.random() < rates.former_address:
            labels.append("former address")
            address = rng.choice(history[1:])
        street, city = address.street or "", address.city
        if city in _OTHER_CITY_NAME and rng.random() < rates.other_language_address:
            labels.append("other language")
            city = _OTHER_CITY_NAME[city] or city
            street = _OTHER_STREET_NAME.get(street, street)
        if street and rng.random() < rates.address_typo:
            labels.append("street typo")
            street = noise.typo(rng, street)
        if rng.random() < rates.free_text_address:
            free = f"{street} {address.house_number}, {address.post_code} {city}"
            return (Address(address.country_code, free=free),)
        fix = AddressFix(
            city=city,
            street=street or None,
            building_identifier=address.house_number,
            post_code=address.post_code,
        )
        return (Address(address.country_code, fix=fix),)

    def _tins(self, taxpayer: TaxpayerData, labels: list[str]) -> tuple[TIN, ...]:
        rng, rates = self.rng, self.rates
        roll = rng.random()
        if roll < rates.tin_missing:
            labels.append("TIN missing")
            return ()
        value = taxpayer.national_id
        roll -= rates.tin_missing
        if roll < rates.tin_typo:
            labels.append("TIN typo")
            value = noise.digit_typo(rng, value)
        elif roll < rates.tin_typo + rates.tin_wrong and taxpayer.kind is PartyKind.INDIVIDUAL:
            labels.append("TIN of someone else")
            value = rng.choice(self.person_ids)
        if taxpayer.kind is PartyKind.INDIVIDUAL and rng.random() < rates.tin_formatted:
            value = noise.belgian_format(value)
        return (TIN(value, issued_by="BE"),)


def _outsiders(population: Population, count: int, seed: int, sender: str) -> Population:
    """People who are not in the registry (arrived recently, or invented), with accounts in `sender`."""
    derived_seed = random.Random(f"{seed}-{sender}-outsiders").getrandbits(32)
    # About 7% of a population hold an account abroad: 20 people per outsider needed is plenty.
    outside = generate_population(max(count * 20, 50), derived_seed, abroad=(sender,), year=population.year)
    known = population.by_id
    outside.holdings = [
        h
        for h in outside.holdings
        if h.holder_id not in known
        and not h.controlling_person_ids
        and outside.by_id[h.holder_id].kind is PartyKind.INDIVIDUAL
    ][:count]
    return outside


def chunk_seed(seed: int, index: int) -> int:
    """The seed of the reports about one chunk of a streamed population (iter_population): the
    population's own for the first chunk, so a small population's reports do not change, and one of
    its own for each further chunk, so that DocRefIds stay unique across chunks."""
    return seed if index == 0 else random.Random(f"{seed}-chunk-{index}").getrandbits(40)


def generate_reports(
    population: Population,
    sender: str,
    seed: int = 0,
    *,
    unregistered_share: float = UNREGISTERED_SHARE,
    rates: NoiseRates | None = None,
) -> list[SyntheticReport]:
    """The account reports `sender` sends about the population's accounts held there, plus reports
    about people outside the registry (`unregistered_share` of all), deterministic by seed."""
    reporter = _Reporter(population, sender, seed, rates or NoiseRates())
    reports = [
        reporter.report(holding, population.by_id, population.addresses_by_id, registered=True)
        for holding in population.holdings
        if holding.country == sender
    ]
    wanted = (
        round(len(reports) * unregistered_share / (1 - unregistered_share)) if unregistered_share < 1 else 0
    )
    if wanted:
        outside = _outsiders(population, wanted, seed, sender)
        reports += [
            reporter.report(holding, outside.by_id, outside.addresses_by_id, registered=False)
            for holding in outside.holdings
        ]
    random.Random(f"{seed}-{sender}-order").shuffle(reports)
    return reports
