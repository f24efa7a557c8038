"""A property as the matching of platform listings to declared properties compares it: its land
registration number without separators, and its address folded to country, city, street and house
number. The post code is left out: listings often lack it, and a city with its street and number
already names one building. A listing whose address gives no street or no number has no address key
and is matched by its land registration number alone."""

from __future__ import annotations

import re

from exchange.reconcile.normalize import fold_name, house_number_key, tin_key
from exchange.reconcile.profile import free_address_key
from exchange.registry.data import DeclaredPropertyData

_TRAILING_NUMBER = re.compile(r"^(?P<street>.*\D)\s+(?P<number>\d+\s*\w*)$")


def land_key(number: str | None) -> str | None:
    value = tin_key(number or "")
    return value or None


def address_key(country: str | None, street: str | None, number: str | None, city: str | None) -> str | None:
    """`country|city|street|number`, or None when a part is missing. A street that carries its number
    ("Prinsengracht 9", as a listing's Street often does) is split."""
    street, number = (street or "").strip(), (number or "").strip()
    if street and not number and (found := _TRAILING_NUMBER.match(street)):
        street, number = found["street"], found["number"]
    parts = ((country or "").upper(), fold_name(city or ""), fold_name(street), house_number_key(number))
    return "|".join(parts) if all(parts) else None


def free_text_address_key(country: str | None, text: str) -> str | None:
    """The key of an AddressFree ("Prinsengracht 9, 1015 DV Amsterdam"), as far as the text gives it."""
    found = free_address_key(text)
    if not (found.street and found.number and found.city):
        return None
    return "|".join(((country or "").upper(), found.city, found.street, found.number))


def property_keys(declared: DeclaredPropertyData) -> dict[str, str | None]:
    """The `land_key` and `address_key` columns of a declared property."""
    return {
        "land_key": land_key(declared.land_registration_number),
        "address_key": address_key(
            declared.country_code, declared.street, declared.house_number, declared.city
        ),
    }
