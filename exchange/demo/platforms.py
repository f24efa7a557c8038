"""The demo's DPI and CbC files: what platforms in NL and LU report of Belgian residents who rent out
rooms or drive, and one Luxembourg-parented group's country-by-country report.

The sellers are people of the synthetic population (benefit recipients among them first, the case the
Benelux studies look for), some reported by both platforms with each share under the PF04 threshold;
some without their TIN, found by linkage. NL also sends a malformed DPI file, and corrects one seller in
the correction round. The CbC group has one Belgian entity the company registry knows and one it does
not, and books most of its profit in Luxembourg with few employees.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from exchange.records import (
    TIN,
    Activity,
    ActivityFigures,
    Address,
    AddressFix,
    CbcReport,
    CbcSummary,
    ConstituentEntity,
    DocSpec,
    MessageHeader,
    Name,
    Party,
    PartyKind,
    PartyRole,
    PropertyListing,
    QuarterAmounts,
    ReportableSeller,
    ReportingFI,
)
from exchange.registry.data import AddressData, CompanyData, TaxpayerData
from exchange.registry.synthetic.population import Institution, Population
from exchange.writers.cbc import cbc_bytes
from exchange.writers.dpi import dpi_bytes

SELLERS_PER_PLATFORM = 8


@dataclass(frozen=True)
class Platform:
    institution: Institution  # the platform operator, as the demo's files name their sender's party
    activity: Activity
    vat: str


PLATFORMS = {
    "NL": Platform(
        Institution("Huurplatform B.V.", "NL", "NL004495445B01", "HUUR", 0),
        Activity.IMMOVABLE_PROPERTY,
        "NL004495445B01",
    ),
    "LU": Platform(
        Institution("LuxRide S.à r.l.", "LU", "LU15027442", "RIDE", 0),
        Activity.TRANSPORTATION_RENTAL,
        "LU15027442",
    ),
}
GROUP = Institution("Groupe Lux Holding S.A.", "LU", "LU12345678", "GLUX", 0)


def _header(sender: str, year: int, number: int, kind: str, indic: str) -> MessageHeader:
    return MessageHeader(
        message_type=kind.upper(),
        transmitting_country=sender,
        receiving_country="BE",
        message_ref_id=f"{sender}{year}BE-{kind.upper()}-{number:04d}",
        reporting_period=date(year, 12, 31),
        timestamp=datetime.now(UTC).replace(tzinfo=None, microsecond=0),
        message_type_indic=indic,
        format_name=kind,
        format_version="1.0" if kind == "dpi" else "2.0",
    )


def _quarters(total: int) -> QuarterAmounts:
    share = Decimal(total // 4)
    return QuarterAmounts((share, share, share, Decimal(total) - 3 * share), ("EUR",) * 4)


def _figures(activity: Activity, total: int) -> ActivityFigures:
    return ActivityFigures(activity, _quarters(total), _quarters(total // 10), _quarters(0), (2, 3, 2, 1))


def _operator(platform: Platform, sender: str, year: int, doc_type: str = "OECD1") -> ReportingFI:
    institution = platform.institution
    return ReportingFI(
        doc_spec=DocSpec(doc_type, f"{sender}{year}-PO-1"),
        names=(Name(full=institution.name),),
        res_country_codes=(sender,),
        ins=(TIN(institution.identifier, issued_by=sender),),
        addresses=(
            Address(
                country_code=sender, fix=AddressFix(city="Amsterdam" if sender == "NL" else "Luxembourg")
            ),
        ),
        vat=platform.vat,
        platform_business_names=(institution.name.split()[0],),
        nexus="RPONEX1",
        assumed_reporting=False,
        element="PlatformOperator",
    )


def _seller(
    doc_spec: DocSpec,
    person: TaxpayerData,
    home: AddressData | None,
    activity: Activity,
    total: int,
    tin: bool,
) -> ReportableSeller:
    street = " ".join(part for part in (home.street, home.house_number) if part) if home else None
    where = Address(
        country_code="BE",
        fix=AddressFix(
            city=home.city if home else "Bruxelles", street=street, post_code=home.post_code if home else None
        ),
    )
    identity = Party(
        kind=PartyKind.INDIVIDUAL,
        role=PartyRole.SELLER,
        names=(Name(first=(person.given_names or "").split(" ")[0] or None, last=person.family_name),),
        res_country_codes=("BE",),
        tins=(TIN(person.national_id, issued_by="BE"),) if tin else (),
        addresses=(where,),
        birth_date=person.birth_date,
    )
    if activity is Activity.IMMOVABLE_PROPERTY:
        listing = PropertyListing(
            address=Address(country_code="NL", fix=AddressFix(city="Amsterdam", street="Prinsengracht 9")),
            figures=_figures(activity, total),
            property_type="DPI903",
            rented_days=min(total // 80, 365),
        )
        return ReportableSeller(
            doc_spec=doc_spec, kind=PartyKind.INDIVIDUAL, identity=identity, listings=(listing,)
        )
    return ReportableSeller(
        doc_spec=doc_spec,
        kind=PartyKind.INDIVIDUAL,
        identity=identity,
        activities=(_figures(activity, total),),
    )


@dataclass(frozen=True)
class PlatformFile:
    sender: str
    label: str
    document: bytes
    institution: Institution
    communication_type: str
    refused: bool = False


def _sellers_of(population: Population, rng: random.Random) -> list[TaxpayerData]:
    """Benefit recipients first, then other adults: the people the platforms paid."""
    people = {t.national_id: t for t in population.taxpayers if t.kind is PartyKind.INDIVIDUAL}
    recipients = [people[b.national_id] for b in population.benefits if b.national_id in people]
    others = [person for person in people.values() if person not in recipients]
    rng.shuffle(others)
    return list(dict.fromkeys([*recipients[:4], *others]))[: SELLERS_PER_PLATFORM + 4]


def platform_files(population: Population, seed: int) -> tuple[list[PlatformFile], list[PlatformFile]]:
    """(first round, correction round) of DPI files from NL and LU and the CbC file from LU."""
    rng = random.Random(f"platforms:{seed}")  # noqa: S311  (demo data, reproducible by seed, not secret)
    year, history = population.year, population.addresses_by_id
    people = _sellers_of(population, rng)
    first: list[PlatformFile] = []
    amounts: dict[tuple[str, str], int] = {}
    for sender, platform in PLATFORMS.items():
        # Both platforms pay the first four (each share under 10,000, together above); each its own others.
        chosen = people[:4] + (people[4:8] if sender == "NL" else people[8:12])
        sellers = []
        for index, person in enumerate(chosen):
            total = rng.randint(5200, 9500) if index < 4 else rng.randint(800, 12000)
            amounts[(sender, person.national_id)] = total
            spec = DocSpec("OECD1", f"{sender}{year}-RS-{index + 1}")
            homes = history.get(person.national_id)
            sellers.append(
                _seller(
                    spec, person, homes[0] if homes else None, platform.activity, total, tin=index % 3 != 2
                )
            )
        document = dpi_bytes(
            _header(sender, year, 1, "dpi", "DPI401"), _operator(platform, sender, year), sellers
        )
        first.append(
            PlatformFile(
                sender, f"{platform.institution.name}: DPI sellers", document, platform.institution, "DPI"
            )
        )
    nl = PLATFORMS["NL"]
    broken = dpi_bytes(_header("NL", year, 2, "dpi", "DPI401"), _operator(nl, "NL", year), [])
    first.append(
        PlatformFile(
            "NL",
            f"{nl.institution.name}: malformed DPI file",
            broken.replace(b">DPI401<", b">DPI499<"),
            nl.institution,
            "DPI",
            refused=True,
        )
    )
    first.append(PlatformFile("LU", f"{GROUP.name}: CbC report", _cbc(population, year), GROUP, "CBC"))
    person = people[0]
    homes = history.get(person.national_id)
    corrected = _seller(
        DocSpec("OECD2", f"NL{year}-RS-1-C1", corr_doc_ref_id=f"NL{year}-RS-1"),
        person,
        homes[0] if homes else None,
        nl.activity,
        amounts[("NL", person.national_id)] // 2,
        tin=True,
    )
    correction = dpi_bytes(
        _header("NL", year, 3, "dpi", "DPI402"), _operator(nl, "NL", year, "OECD0"), [corrected]
    )
    second = [PlatformFile("NL", f"{nl.institution.name}: DPI correction", correction, nl.institution, "DPI")]
    return first, second


def _summary(profit: int, employees: int, paid: int, accrued: int, assets: int) -> CbcSummary:
    value = Decimal
    return CbcSummary(
        revenues_unrelated=value(profit * 3),
        revenues_related=value(profit),
        revenues_total=value(profit * 4),
        profit_or_loss=value(profit),
        tax_paid=value(paid),
        tax_accrued=value(accrued),
        capital=value(assets),
        earnings=value(profit // 2),
        assets=value(assets),
        employees=employees,
        currencies=("EUR",) * 9,
    )


def _constituent(name: str, country: str, tin: str) -> ConstituentEntity:
    party = Party(
        kind=PartyKind.ORGANISATION,
        names=(Name(full=name),),
        res_country_codes=(country,),
        tins=(TIN(tin, issued_by=country),),
        addresses=(Address(country_code=country, free=f"{name}, {country}"),),
    )
    return ConstituentEntity(party=party, biz_activities=("CBC513",), incorp_country_code=country)


def _cbc(population: Population, year: int) -> bytes:
    companies: Sequence[CompanyData] = [c for c in population.companies if c.country == "BE"]
    known = (
        _constituent(companies[0].name, "BE", companies[0].enterprise_number)
        if companies
        else _constituent("Lux Belgium NV", "BE", "0403170701")
    )
    unknown = _constituent("Lux Logistics Belgium NV", "BE", "0999999922")
    reports = [
        CbcReport(
            DocSpec("OECD1", f"LU{year}-CR-BE"),
            "BE",
            _summary(1_200_000, 60, 300_000, 320_000, 9_000_000),
            (known, unknown),
        ),
        CbcReport(
            DocSpec("OECD1", f"LU{year}-CR-LU"),
            "LU",
            _summary(24_000_000, 6, 150_000, 1_900_000, 2_000_000),
            (_constituent(GROUP.name, "LU", GROUP.identifier),),
        ),
    ]
    entity = ReportingFI(
        doc_spec=DocSpec("OECD1", f"LU{year}-RE-1"),
        names=(Name(full=GROUP.name),),
        res_country_codes=("LU",),
        ins=(TIN(GROUP.identifier, issued_by="LU"),),
        addresses=(Address(country_code="LU", fix=AddressFix(city="Luxembourg", street="Rue du Fort 1")),),
        mne_group_name="Groupe Lux",
        reporting_role="CBC701",
        period_start=date(year, 1, 1),
        period_end=date(year, 12, 31),
        element="ReportingEntity",
    )
    return cbc_bytes(_header("LU", year, 1, "cbc", "CBC401"), entity, reports)
