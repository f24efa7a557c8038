"""A small Benelux world for the flag tests: a registry of a few Belgian taxpayers, and the account
reports Luxembourg and the Netherlands send about them, stored and reconciled for real."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import Engine, select

from exchange.reconcile.service import reconcile_file
from exchange.records import (
    TIN,
    AccountReport,
    Address,
    AddressFix,
    DocSpec,
    MessageHeader,
    Name,
    Party,
    PartyKind,
    PartyRole,
    Payment,
    Record,
    ReportingFI,
    StreamItem,
)
from exchange.registry.data import (
    AddressData,
    BenefitData,
    DeclaredAccountData,
    RegistryRow,
    TaxpayerData,
    TaxReturnData,
)
from exchange.registry.models import Taxpayer
from exchange.registry.upsert import upsert_dependents, upsert_taxpayers
from exchange.settings import Settings
from exchange.store import PacketInfo, store_file
from exchange.validation.rules.context import ReceiverProfile
from exchange.validation.rules.engine import RuleEngine

YEAR = 2025
PERIOD_END = date(YEAR, 12, 31)


@dataclass(frozen=True)
class Resident:
    """A Belgian taxpayer with what the registry holds about them for the reporting year."""

    national_id: str
    given: str
    family: str
    born: date
    street: str
    number: str
    post_code: str
    city: str
    income: Decimal = Decimal(40000)
    foreign_interest: Decimal = Decimal(0)
    declared: tuple[tuple[str, str], ...] = ()  # (country, institution)
    benefit: Decimal | None = None
    moved_abroad: str | None = None  # the country the registry says they live in since 2024

    def party(self, *, tin: str | None = "own", role: PartyRole = PartyRole.HOLDER) -> Party:
        """As a partner's bank reports them: resident in BE, at their Belgian address."""
        value = self.national_id if tin == "own" else tin
        return Party(
            kind=PartyKind.INDIVIDUAL,
            names=(Name(first=self.given.split()[0], last=self.family),),
            role=role,
            res_country_codes=("BE",),
            tins=(TIN(value, issued_by="BE"),) if value else (),
            addresses=(
                Address(
                    "BE",
                    fix=AddressFix(
                        city=self.city,
                        street=self.street,
                        building_identifier=self.number,
                        post_code=self.post_code,
                    ),
                ),
            ),
            birth_date=self.born,
        )

    def rows(self) -> list[RegistryRow]:
        """Address history, return and benefit (the declared accounts come after the returns)."""
        address = AddressData(
            self.national_id,
            date(2015, 1, 1),
            self.city,
            street=self.street,
            house_number=self.number,
            post_code=self.post_code,
            valid_to=date(2023, 12, 31) if self.moved_abroad else None,
        )
        rows: list[RegistryRow] = [address]
        if self.moved_abroad:
            rows.append(
                AddressData(self.national_id, date(2024, 1, 1), "Abroad", country_code=self.moved_abroad)
            )
        rows.append(
            TaxReturnData(self.national_id, YEAR, self.income, foreign_interest=self.foreign_interest)
        )
        if self.benefit is not None:
            rows.append(BenefitData(self.national_id, YEAR, "integration_income", self.benefit))
        return rows


PEETERS = Resident(
    "85073003328", "Jan Karel", "Peeters", date(1985, 7, 30), "Wetstraat", "16", "1000", "Brussel",
    foreign_interest=Decimal(5000), declared=(("LU", "Banque Exemple"),),
)  # fmt: skip
CLAES = Resident(
    "01490700185", "Lien", "Claes", date(2001, 9, 7), "Kerkstraat", "3", "2000", "Antwerpen",
    income=Decimal(20000), benefit=Decimal(12000),
)  # fmt: skip
DUBOIS = Resident(
    "98472899765", "Anna", "Dubois", date(1998, 7, 28), "Rue Haute", "8", "4000", "Liège",
    income=Decimal(30000), declared=(("LU", "Banque Exemple"),), moved_abroad="NL",
)  # fmt: skip
EL_AMRANI = Resident(
    "64021512309", "Mohamed", "El Amrani", date(1964, 2, 15), "Chaussée de Gand", "120", "1080",
    "Molenbeek", income=Decimal(50000),
)  # fmt: skip
RESIDENTS = (PEETERS, CLAES, DUBOIS, EL_AMRANI)
HOLDING = TaxpayerData("0403019261", PartyKind.ORGANISATION, organisation_name="Voorbeeld Holding NV")
STRANGER = Party(
    PartyKind.INDIVIDUAL,
    (Name(first="Femke", last="de Vries"),),
    res_country_codes=("BE",),
    addresses=(Address("BE", fix=AddressFix(city="Gent", street="Veldstraat", building_identifier="9")),),
    birth_date=date(1990, 4, 4),
)


def load_registry(engine: Engine, residents: tuple[Resident, ...] = RESIDENTS) -> None:
    people = [
        TaxpayerData(
            r.national_id, PartyKind.INDIVIDUAL, given_names=r.given, family_name=r.family, birth_date=r.born
        )
        for r in residents
    ]
    declared = [
        (0, DeclaredAccountData(r.national_id, YEAR, country, institution))
        for r in residents
        for country, institution in r.declared
    ]

    def refuse(rejected: object) -> None:
        raise AssertionError(f"registry row rejected: {rejected}")

    with engine.begin() as connection:
        upsert_taxpayers(connection, [*people, HOLDING])
        upsert_dependents(connection, [(0, row) for r in residents for row in r.rows()], refuse)
        upsert_dependents(connection, declared, refuse)


def taxpayer_id(engine: Engine, national_id: str) -> int:
    with engine.connect() as connection:
        found: int = connection.execute(
            select(Taxpayer.id).where(Taxpayer.national_id == national_id)
        ).scalar_one()
        return found


@dataclass(frozen=True)
class Bank:
    name: str
    country: str
    identifier: str


BANQUE_EXEMPLE = Bank("Banque Exemple S.A.", "LU", "LU12345678")
ING = Bank("ING Bank N.V.", "NL", "NL003367972B01")


def report(
    doc_ref_id: str,
    holder: Party,
    *controlling: Party,
    balance: str = "1000.00",
    payments: tuple[tuple[str, str], ...] = (),
    indic: str = "OECD1",
    corrects: str | None = None,
    closed: bool | None = None,
    undocumented: bool | None = None,
) -> AccountReport:
    return AccountReport(
        doc_spec=DocSpec(indic, doc_ref_id, corrects),
        account_number=f"ACC-{doc_ref_id.split('-')[-1]}"
        if corrects is None
        else f"ACC-{corrects.split('-')[-1]}",
        holder=holder,
        controlling_persons=controlling,
        balance=Decimal(balance),
        currency="EUR",
        payments=tuple(Payment(kind, Decimal(amount), "EUR") for kind, amount in payments),
        closed=closed,
        undocumented=undocumented,
    )


def controlling(resident: Resident) -> Party:
    return replace(resident.party(), role=PartyRole.CONTROLLING_PERSON, ctrlg_person_types=("CRS801",))


def passive_nfe() -> Party:
    return Party(
        kind=PartyKind.ORGANISATION,
        names=(Name(full="Voorbeeld Holding"),),
        tins=(TIN("0403019261", issued_by="BE"),),
        addresses=(Address("BE", free="Kunstlaan 1, 1000 Brussel"),),
        acct_holder_type="CRS101",
    )


@dataclass
class Sender:
    """Files from one bank of one partner, numbered as they are sent."""

    bank: Bank
    sent: list[int] = field(default_factory=list)

    def send(
        self, engine: Engine, settings: Settings, name: str, *reports: AccountReport, checked: bool = False
    ) -> int:
        """Store and reconcile one file; its id. `checked`: through the business rules first, so the
        store keeps their record errors with the records, as the pipeline does."""
        country = self.bank.country
        packet = PacketInfo(
            hashlib.sha256(f"{country}-{name}".encode()).hexdigest(), "CTS", country, "BE", "CRS", 1000
        )
        header = MessageHeader(
            message_type="CRS",
            transmitting_country=country,
            receiving_country="BE",
            message_ref_id=f"{country}{YEAR}BE{name}",
            reporting_period=PERIOD_END,
            timestamp=datetime(YEAR + 1, 3, 1, 9, 0, tzinfo=UTC),
            message_type_indic="CRS701"
            if all(r.doc_spec.doc_type_indic == "OECD1" for r in reports)
            else "CRS702",
        )
        fi = ReportingFI(
            DocSpec("OECD1" if not self.sent else "OECD0", f"{country}{YEAR}-FI"),
            (Name(full=self.bank.name),),
            res_country_codes=(country,),
            ins=(TIN(self.bank.identifier, issued_by=country),),
        )
        records: list[Record] = [fi, *reports]
        items: Iterable[StreamItem] = (
            RuleEngine().run(header, records, receiver=ReceiverProfile("BE")) if checked else records
        )
        outcome = store_file(engine, packet, header, items)
        assert outcome.records_stored == len(reports) + 1, outcome.findings
        reconcile_file(engine, outcome.file_id, settings)
        self.sent.append(outcome.file_id)
        return outcome.file_id
