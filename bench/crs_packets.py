"""Sealed CRS packets of many varied, valid account reports, as a sending authority makes them.

The document is streamed to disk (`exchange.writers.crs.write_crs`) and sealed from there
(`crypto.create_packet`: sign, deflate, encrypt), so a packet of a million reports never sits in
memory. Every report passes the business rules: holders resident in the receiving country, valid IBANs
for OECD601 accounts, controlling persons for passive entities, DocRefIds unique across files.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

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
from exchange.writers.crs import write_crs

SENDER, RECEIVER, YEAR = "NL", "BE", 2025
_FIRST = ("Jan", "Marie", "Pieter", "Sofie", "Luc", "Anna", "Karel", "Lotte", "Wim", "Elise", "Noah", "Zoë")
_LAST = ("Peeters", "Janssens", "Maes", "Jacobs", "Mertens", "Willems", "Claes", "Goossens", "Wouters")
_CITIES = (("Brussel", "1000"), ("Antwerpen", "2000"), ("Gent", "9000"), ("Liège", "4000"), ("Namur", "5000"))
_STREETS = ("Wetstraat", "Kunstlaan", "Meir", "Rue Neuve", "Korenmarkt", "Boulevard d'Avroy")


def message_ref_id(file_no: int) -> str:
    return f"{SENDER}{YEAR}{RECEIVER}BENCH{file_no:05d}"


def account_reports(file_no: int, count: int) -> Iterator[AccountReport]:
    """`count` reports: 70 % individuals (IBAN accounts), 30 % passive entities with one or two
    controlling persons (other account numbers); names, places, amounts and payments vary."""
    for n in range(count):
        yield _individual_account(file_no, n) if n % 10 < 7 else _entity_account(file_no, n)


def _doc_spec(file_no: int, n: int) -> DocSpec:
    return DocSpec("OECD1", f"{SENDER}{YEAR}{RECEIVER}-F{file_no:03d}-AR{n:08d}")


def _person(seed: int, role: PartyRole) -> Party:
    city, post_code = _CITIES[seed % len(_CITIES)]
    return Party(
        kind=PartyKind.INDIVIDUAL,
        role=role,
        names=(
            Name(first=_FIRST[seed % len(_FIRST)], last=_LAST[seed // 7 % len(_LAST)], name_type="OECD202"),
        ),
        res_country_codes=(RECEIVER,),
        tins=(TIN(f"{(seed * 7919) % 10**11:011d}", issued_by=RECEIVER),),
        addresses=(
            Address(
                RECEIVER,
                fix=AddressFix(
                    city=city,
                    street=_STREETS[seed % len(_STREETS)],
                    building_identifier=str(1 + seed % 180),
                    post_code=post_code,
                ),
            ),
        ),
        birth_date=date(1930 + seed % 75, 1 + seed % 12, 1 + seed % 28),
        ctrlg_person_types=("CRS801",) if role is PartyRole.CONTROLLING_PERSON else (),
    )


def _iban(file_no: int, n: int) -> str:
    bban = f"ABNA{file_no % 100:02d}{n:08d}"
    return f"{SENDER}{iban.calc_check_digits(f'{SENDER}00{bban}')}{bban}"


def _balance(seed: int) -> Decimal:
    return Decimal((seed * 104_729) % 250_000_000).scaleb(-2)


def _individual_account(file_no: int, n: int) -> AccountReport:
    seed = file_no * 1_000_003 + n
    payments = [Payment("CRS502", Decimal(seed % 5000).scaleb(-2), "EUR")]
    if n % 3 == 0:
        payments.append(Payment("CRS501", Decimal(seed % 90_000).scaleb(-2), "EUR"))
    return AccountReport(
        doc_spec=_doc_spec(file_no, n),
        account_number=_iban(file_no, n),
        account_number_type="OECD601",
        holder=_person(seed, PartyRole.HOLDER),
        balance=_balance(seed),
        currency="EUR",
        payments=tuple(payments),
    )


def _entity_account(file_no: int, n: int) -> AccountReport:
    seed = file_no * 1_000_003 + n
    city, post_code = _CITIES[seed % len(_CITIES)]
    return AccountReport(
        doc_spec=_doc_spec(file_no, n),
        account_number=f"NL-POL-{file_no:03d}-{n:08d}",
        account_number_type="OECD605",
        holder=Party(
            kind=PartyKind.ORGANISATION,
            names=(Name(full=f"{_LAST[seed % len(_LAST)]} Holding {seed % 9973} BV"),),
            res_country_codes=(RECEIVER,),
            tins=(TIN(f"0{(seed * 31) % 10**9:09d}", issued_by=RECEIVER),),
            addresses=(
                Address(RECEIVER, free=f"{_STREETS[seed % len(_STREETS)]} {seed % 99}, {post_code} {city}"),
            ),
            acct_holder_type="CRS101",
        ),
        controlling_persons=tuple(
            _person(seed * 3 + k, PartyRole.CONTROLLING_PERSON) for k in range(1 + n % 2)
        ),
        balance=_balance(seed),
        currency="EUR",
        payments=(Payment("CRS504", Decimal(seed % 250_000).scaleb(-2), "EUR"),),
    )


def _reporting_fi(file_no: int) -> ReportingFI:
    return ReportingFI(
        doc_spec=DocSpec("OECD1", f"{SENDER}{YEAR}{RECEIVER}-F{file_no:03d}-FI"),
        names=(Name(full=f"Voorbeeld Bank {file_no} N.V.", name_type="OECD207"),),
        res_country_codes=(SENDER,),
        ins=(TIN(f"NL{file_no:09d}B01", issued_by=SENDER),),
        addresses=(Address(SENDER, free="Voorbeeldstraat 1, Amsterdam"),),
    )


def _header(file_no: int) -> MessageHeader:
    return MessageHeader(
        message_type="CRS",
        transmitting_country=SENDER,
        receiving_country=RECEIVER,
        message_ref_id=message_ref_id(file_no),
        reporting_period=date(YEAR, 12, 31),
        timestamp=datetime(YEAR + 1, 3, 1, 9, 30),
        message_type_indic="CRS701",
    )


def write_document(path: Path, file_no: int, reports: int) -> None:
    """The plaintext CRS document from NL to BE with `reports` account reports, streamed to `path`."""
    write_crs(path, _header(file_no), _reporting_fi(file_no), account_reports(file_no, reports))


def sealed_packet(
    file_no: int, reports: int, sender: AuthorityFolders, receiver: AuthorityFolders, workdir: Path
) -> Path:
    """One CTS packet from NL to BE with `reports` account reports; the plaintext is removed after."""
    workdir.mkdir(parents=True, exist_ok=True)
    document = workdir / f"document-{file_no}.xml"
    write_document(document, file_no, reports)
    try:
        created = create_packet(
            document,
            PacketRequest(Profile.CTS, SENDER, RECEIVER, "CRS", tax_year=YEAR),
            signer=sender.keyring().signing_pair(SENDER),
            receiver_certificate=sender.trust().encryption_certificate(RECEIVER),
            directory=workdir / f"packet-{file_no}",  # packet names carry only their creation time
        )
    finally:
        document.unlink(missing_ok=True)
    return created.path
