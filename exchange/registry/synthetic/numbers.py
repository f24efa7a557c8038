"""Valid identifiers and account numbers for synthetic people, built from the published check rules."""

from __future__ import annotations

import random
import string
from datetime import date

from exchange.registry import lu_matricule


def be_national_number(born: date, serial: int, bis: bool = False) -> str:
    """YYMMDD SSS CC; a BIS number adds 20 (sex known) to the month; born from 2000 on, the check is
    computed with a leading 2 (FACTS.md §6)."""
    month = born.month + (20 if bis else 0)
    body = f"{born:%y}{month:02d}{born:%d}{serial:03d}"
    base = int(("2" if born.year >= 2000 else "") + body)
    return f"{body}{97 - base % 97:02d}"


def be_enterprise_number(rng: random.Random) -> str:
    """0 or 1, then 7 digits, then 97 - (first 8 mod 97)."""
    body = f"0{rng.randint(2_000_000, 9_999_999)}"
    return f"{body}{97 - int(body) % 97:02d}"


def nl_bsn(rng: random.Random) -> str:
    """Nine digits passing the 11-proof (9·d1 + … + 2·d8 − d9 ≡ 0 mod 11)."""
    while True:
        digits = [rng.randint(1, 9)] + [rng.randint(0, 9) for _ in range(7)]
        total = sum(weight * digit for weight, digit in zip(range(9, 1, -1), digits, strict=True))
        check = total % 11
        if check < 10:
            return "".join(map(str, digits)) + str(check)


def lu_person(born: date, serial: int) -> str:
    return lu_matricule.make(born, serial)


def iban(country: str, bank: str, account_digits: int, rng: random.Random) -> str:
    """An IBAN with correct ISO 7064 mod 97-10 check digits."""
    bban = bank + "".join(rng.choice(string.digits) for _ in range(account_digits))
    rearranged = bban + country + "00"
    numeric = "".join(str(int(ch, 36)) for ch in rearranged)
    return f"{country}{98 - int(numeric) % 97:02d}{bban}"
