"""Small registries and reported parties built in code for the matching tests."""

from __future__ import annotations

from datetime import date

from exchange.reconcile.profile import Profile, address_key, taxpayer_profile
from exchange.reconcile.sources import MemoryIndex
from exchange.records import TIN, Address, AddressFix, Name, Party, PartyKind

# (taxpayer id, national number, given names, family name, birth date, street, number, post code, city)
PEOPLE = [
    (1, "85073003328", "Jan Karel", "Peeters", date(1985, 7, 30), "Wetstraat", "16", "1000", "Brussel"),
    (2, "01490700185", "Lien", "Claes", date(2001, 9, 7), "Kerkstraat", "3", "2000", "Antwerpen"),
    (3, "98472899765", "Anna", "Dubois", date(1998, 7, 28), "Rue Haute", "8", "4000", "Liège"),
    (
        4,
        "64021512309",
        "Mohamed",
        "El Amrani",
        date(1964, 2, 15),
        "Chaussée de Gand",
        "120",
        "1080",
        "Molenbeek",
    ),
    # Two namesakes born the same day in the same town: only an address or a TIN tells them apart.
    (5, "70010111175", "Luc", "Janssens", date(1970, 1, 1), "Molenstraat", "5", "9000", "Gent"),
    (6, "70010122162", "Luc", "Janssens", date(1970, 1, 1), "Veldstraat", "90", "9000", "Gent"),
]
ENTERPRISE = (7, "0403019261", "Voorbeeld Holding NV", "Kunstlaan", "1", "1000", "Brussel")


def registry_profiles() -> list[Profile]:
    profiles = [
        taxpayer_profile(
            ref,
            PartyKind.INDIVIDUAL,
            number,
            given_names=given,
            family_name=family,
            birth=born,
            addresses=[address_key(post, city, street, house)],
        )
        for ref, number, given, family, born, street, house, post, city in PEOPLE
    ]
    ref, number, name, street, house, post, city = ENTERPRISE
    profiles.append(
        taxpayer_profile(
            ref,
            PartyKind.ORGANISATION,
            number,
            organisation_name=name,
            addresses=[address_key(post, city, street, house)],
        )
    )
    return profiles


def memory_registry() -> MemoryIndex:
    return MemoryIndex(registry_profiles())


def person(
    first: str,
    last: str,
    born: date | None,
    tin: str | None = None,
    street: str = "Wetstraat",
    number: str = "16",
    post_code: str = "1000",
    city: str = "Brussel",
) -> Party:
    return Party(
        kind=PartyKind.INDIVIDUAL,
        names=(Name(first=first, last=last),),
        res_country_codes=("BE",),
        tins=(TIN(tin, issued_by="BE"),) if tin else (),
        addresses=(
            Address(
                "BE",
                fix=AddressFix(city=city, street=street, building_identifier=number, post_code=post_code),
            ),
        ),
        birth_date=born,
    )


def company(name: str, tin: str | None, free_address: str = "Kunstlaan 1, 1000 Brussel") -> Party:
    return Party(
        kind=PartyKind.ORGANISATION,
        names=(Name(full=name),),
        tins=(TIN(tin, issued_by="BE"),) if tin else (),
        addresses=(Address("BE", free=free_address),),
        acct_holder_type="CRS101",
    )
