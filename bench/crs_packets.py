"""Sealed CRS packets of many varied, valid account reports, as a sending authority makes them, and the
Belgian registry that knows the people in them.

The document is streamed to disk (`exchange.writers.crs.write_crs`) and sealed from there
(`crypto.create_packet`: sign, deflate, encrypt), so a packet of a million reports never sits in
memory. Every report passes the business rules: holders resident in the receiving country, valid IBANs
for OECD601 accounts, controlling persons for passive entities, DocRefIds unique across files.

Every party carries a valid Belgian number that belongs to it alone, so that the registry rows of
`registry_rows` (streamed as well, from the same generator) let reconciliation match everyone and every
kind of flag scope has work: a return for each person, three holders in four declaring their account,
one in nineteen receiving a benefit, one account in 97 holding forty times its balance (DC03). A file's
people are numbered from its `first_person`: files given disjoint ranges (`people_in`) hold different
people, files given the same range report about the same people.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Connection, Engine
from stdnum import iban

from crypto import PacketRequest, Profile, create_packet
from crypto.provision import AuthorityFolders
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
    ReportingFI,
)
from exchange.registry.data import (
    AddressData,
    BenefitData,
    DeclaredAccountData,
    RegistryRow,
    TaxpayerData,
    TaxReturnData,
)
from exchange.registry.synthetic.numbers import be_national_number
from exchange.registry.upsert import Rejected, upsert_dependents, upsert_taxpayers
from exchange.writers.crs import write_crs

SENDER, RECEIVER, YEAR = "NL", "BE", 2025
_FIRST = ("Jan", "Marie", "Pieter", "Sofie", "Luc", "Anna", "Karel", "Lotte", "Wim", "Elise", "Noah", "Zoë")
_LAST = ("Peeters", "Janssens", "Maes", "Jacobs", "Mertens", "Willems", "Claes", "Goossens", "Wouters")
_CITIES = (("Brussel", "1000"), ("Antwerpen", "2000"), ("Gent", "9000"), ("Liège", "4000"), ("Namur", "5000"))
_STREETS = ("Wetstraat", "Kunstlaan", "Meir", "Rue Neuve", "Korenmarkt", "Boulevard d'Avroy")
# A person's number is their birth date and a serial of that date: people are spread over this many
# birth dates from 1930 on, and a date's serials run to 997, so 26.9M people have numbers of their own.
_BIRTH_DAYS = 27_000
_EPOCH = date(1930, 1, 1)
PEOPLE_PER_REPORT = 3  # a holder, or an entity and its one or two controlling persons
_IBAN_BANKS = {"NL": ("ABNA", 10), "LU": ("001", 13), "DE": ("37040044", 10)}
_REGISTRY_CHUNK = 2000


def people_in(reports: int) -> int:
    """How many person numbers a file of `reports` account reports uses from its `first_person`."""
    return reports * PEOPLE_PER_REPORT


def message_ref_id(file_no: int, sender: str = SENDER) -> str:
    return f"{sender}{YEAR}{RECEIVER}BENCH{file_no:05d}"


def bank_name(file_no: int) -> str:
    return f"Voorbeeld Bank {file_no} N.V."


@dataclass(frozen=True)
class FileSpec:
    """What one file reports: its number (DocRefIds, the bank), its sender, its size, its people."""

    file_no: int
    reports: int
    sender: str = SENDER
    first_person: int = 0


def account_reports(
    file_no: int, count: int, sender: str = SENDER, first_person: int = 0
) -> Iterator[AccountReport]:
    """`count` reports: 70 % individuals (IBAN accounts), 30 % passive entities with one or two
    controlling persons (other account numbers); names, places, amounts and payments vary."""
    for n in range(count):
        person = first_person + n * PEOPLE_PER_REPORT
        report = (
            _individual_account(file_no, n, sender, person)
            if n % 10 < 7
            else _entity_account(file_no, n, sender, person)
        )
        yield report


def _doc_spec(file_no: int, n: int, sender: str) -> DocSpec:
    return DocSpec("OECD1", f"{sender}{YEAR}{RECEIVER}-F{file_no:03d}-AR{n:08d}")


def _born(person: int) -> date:
    return _EPOCH + timedelta(days=person % _BIRTH_DAYS)


def person_number(person: int) -> str:
    """The Belgian national number of person `person`: their birth date and a serial of that date."""
    return be_national_number(_born(person), person // _BIRTH_DAYS + 1)


def entity_number(person: int) -> str:
    """A Belgian enterprise number of the entity at `person` (0 or 1, seven digits, 97 - mod 97)."""
    body = f"{10_000_000 + person // PEOPLE_PER_REPORT:08d}"
    return f"{body}{97 - int(body) % 97:02d}"


def _person(person: int, role: PartyRole) -> Party:
    city, post_code = _CITIES[person % len(_CITIES)]
    return Party(
        kind=PartyKind.INDIVIDUAL,
        role=role,
        names=(
            Name(
                first=_FIRST[person % len(_FIRST)], last=_LAST[person // 7 % len(_LAST)], name_type="OECD202"
            ),
        ),
        res_country_codes=(RECEIVER,),
        tins=(TIN(person_number(person), issued_by=RECEIVER),),
        addresses=(
            Address(
                RECEIVER,
                fix=AddressFix(
                    city=city,
                    street=_STREETS[person % len(_STREETS)],
                    building_identifier=str(1 + person % 180),
                    post_code=post_code,
                ),
            ),
        ),
        birth_date=_born(person),
        ctrlg_person_types=("CRS801",) if role is PartyRole.CONTROLLING_PERSON else (),
    )


def _iban(file_no: int, n: int, sender: str) -> str:
    bank, digits = _IBAN_BANKS[sender]
    bban = f"{bank}{file_no % 100:02d}{n:0{digits - 2}d}"
    return f"{sender}{iban.calc_check_digits(f'{sender}00{bban}')}{bban}"


def _balance(seed: int, n: int) -> Decimal:
    balance = Decimal((seed * 104_729) % 250_000_000).scaleb(-2)
    return balance * 40 if n % 97 == 0 else balance


def _individual_account(file_no: int, n: int, sender: str, person: int) -> AccountReport:
    seed = file_no * 1_000_003 + n
    payments = [Payment("CRS502", Decimal(seed % 5000).scaleb(-2), "EUR")]
    if n % 3 == 0:
        payments.append(Payment("CRS501", Decimal(seed % 90_000).scaleb(-2), "EUR"))
    return AccountReport(
        doc_spec=_doc_spec(file_no, n, sender),
        account_number=_iban(file_no, n, sender),
        account_number_type="OECD601",
        holder=_person(person, PartyRole.HOLDER),
        balance=_balance(seed, n),
        currency="EUR",
        payments=tuple(payments),
    )


def _entity_account(file_no: int, n: int, sender: str, person: int) -> AccountReport:
    seed = file_no * 1_000_003 + n
    city, post_code = _CITIES[seed % len(_CITIES)]
    return AccountReport(
        doc_spec=_doc_spec(file_no, n, sender),
        account_number=f"{sender}-POL-{file_no:03d}-{n:08d}",
        account_number_type="OECD605",
        holder=Party(
            kind=PartyKind.ORGANISATION,
            names=(Name(full=f"{_LAST[seed % len(_LAST)]} Holding {person // PEOPLE_PER_REPORT} BV"),),
            res_country_codes=(RECEIVER,),
            tins=(TIN(entity_number(person), issued_by=RECEIVER),),
            addresses=(
                Address(RECEIVER, free=f"{_STREETS[seed % len(_STREETS)]} {seed % 99}, {post_code} {city}"),
            ),
            acct_holder_type="CRS101",
        ),
        controlling_persons=tuple(
            _person(person + 1 + k, PartyRole.CONTROLLING_PERSON) for k in range(1 + n % 2)
        ),
        balance=_balance(seed, n),
        currency="EUR",
        payments=(Payment("CRS504", Decimal(seed % 250_000).scaleb(-2), "EUR"),),
    )


def reporting_fi(file_no: int, sender: str = SENDER) -> ReportingFI:
    return ReportingFI(
        doc_spec=DocSpec("OECD1", f"{sender}{YEAR}{RECEIVER}-F{file_no:03d}-FI"),
        names=(Name(full=bank_name(file_no), name_type="OECD207"),),
        res_country_codes=(sender,),
        ins=(TIN(f"{sender}{file_no:09d}B01", issued_by=sender),),
        addresses=(Address(sender, free="Voorbeeldstraat 1"),),
    )


def header(file_no: int, sender: str = SENDER) -> MessageHeader:
    return MessageHeader(
        message_type="CRS",
        transmitting_country=sender,
        receiving_country=RECEIVER,
        message_ref_id=message_ref_id(file_no, sender),
        reporting_period=date(YEAR, 12, 31),
        timestamp=datetime(YEAR + 1, 3, 1, 9, 30),
        message_type_indic="CRS701",
    )


# -- the registry that knows them ---------------------------------------------------------------------


def registry_rows(spec: FileSpec) -> Iterator[list[RegistryRow]]:
    """Per account report of the file, what the registry holds about its people, in load order."""
    for n, report in enumerate(account_reports(spec.file_no, spec.reports, spec.sender, spec.first_person)):
        rows: list[RegistryRow] = []
        person = spec.first_person + n * PEOPLE_PER_REPORT
        for position, party in enumerate((report.holder, *report.controlling_persons)):
            rows += _registry_of(party, spec, person + position, holder=position == 0)
        yield rows


def _registry_of(party: Party, spec: FileSpec, person: int, holder: bool) -> list[RegistryRow]:
    number = party.tins[0].value
    if party.kind is PartyKind.ORGANISATION:
        return [TaxpayerData(number, PartyKind.ORGANISATION, organisation_name=party.names[0].full)]
    name, fix = party.names[0], party.addresses[0].fix
    assert fix is not None
    rows: list[RegistryRow] = [
        TaxpayerData(
            number,
            PartyKind.INDIVIDUAL,
            given_names=name.first,
            family_name=name.last,
            birth_date=party.birth_date,
        ),
        AddressData(
            number,
            date(2015, 1, 1),
            fix.city or "",
            street=fix.street,
            house_number=fix.building_identifier,
            post_code=fix.post_code,
        ),
        TaxReturnData(number, YEAR, _income(person), foreign_interest=Decimal(25)),
    ]
    if holder and person % 4 != 0:
        rows.append(DeclaredAccountData(number, YEAR, spec.sender, bank_name(spec.file_no)))
    if person % 19 == 0:
        rows.append(BenefitData(number, YEAR, "integration_income", Decimal(12_000)))
    return rows


def _income(person: int) -> Decimal:
    """Spread over every band of DC03, so its cohorts are large and varied."""
    return Decimal(12_000 + person * 7919 % 160_000)


def load_registry(engine: Engine, specs: list[FileSpec]) -> int:
    """Load the registry of the people of these files (once each, however many files name them); how
    many taxpayers it holds."""

    def refuse(rejected: Rejected) -> None:
        raise RuntimeError(f"registry row refused: {rejected.reason}")

    loaded: set[tuple[int, int]] = set()  # person ranges already loaded
    taxpayers = 0
    with engine.begin() as connection:
        for spec in specs:
            span = (spec.first_person, people_in(spec.reports))
            if span in loaded:
                continue
            loaded.add(span)
            chunk: list[RegistryRow] = []
            for rows in registry_rows(spec):
                chunk += rows
                if len(chunk) >= _REGISTRY_CHUNK:
                    taxpayers += _load_chunk(connection, chunk, refuse)
                    chunk = []
            taxpayers += _load_chunk(connection, chunk, refuse)
    return taxpayers


def _load_chunk(connection: Connection, rows: list[RegistryRow], refuse: Callable[[Rejected], None]) -> int:
    """Taxpayers before what belongs to them, returns before the accounts declared on them."""
    people = [row for row in rows if isinstance(row, TaxpayerData)]
    if people:
        upsert_taxpayers(connection, people)
    for kind in (AddressData, TaxReturnData, DeclaredAccountData, BenefitData):
        dependents = [(0, row) for row in rows if isinstance(row, kind)]
        if dependents:
            upsert_dependents(connection, dependents, refuse)
    return len(people)


# -- documents and packets ----------------------------------------------------------------------------


def write_document(
    path: Path, file_no: int, reports: int, sender: str = SENDER, first_person: int = 0
) -> None:
    """The plaintext CRS document from `sender` to BE with `reports` account reports, streamed to `path`."""
    write_crs(
        path,
        header(file_no, sender),
        reporting_fi(file_no, sender),
        account_reports(file_no, reports, sender, first_person),
    )


def sealed_packet(
    file_no: int,
    reports: int,
    sender: AuthorityFolders,
    receiver: AuthorityFolders,
    workdir: Path,
    first_person: int = 0,
) -> Path:
    """One CTS packet from `sender` to BE with `reports` account reports; the plaintext is removed after."""
    workdir.mkdir(parents=True, exist_ok=True)
    country = sender.jurisdiction
    document = workdir / f"document-{file_no}.xml"
    write_document(document, file_no, reports, country, first_person)
    try:
        created = create_packet(
            document,
            PacketRequest(Profile.CTS, country, RECEIVER, "CRS", tax_year=YEAR),
            signer=sender.keyring().signing_pair(country),
            receiver_certificate=sender.trust().encryption_certificate(RECEIVER),
            directory=workdir / f"packet-{file_no}",  # packet names carry only their creation time
        )
    finally:
        document.unlink(missing_ok=True)
    return created.path
