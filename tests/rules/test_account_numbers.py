"""60000's IBAN check gives python-stdnum's answer on IBANs in electronic format: valid ones of every
country in stdnum's registry, and each of them broken the ways account numbers get broken; any other
form (printed in groups, lower case) is not an IBAN, though stdnum would normalise it."""

from __future__ import annotations

import random
import re

import pytest
from stdnum import iban, numdb

from exchange.validation.rules.account_numbers import is_iban

_FILL = {"n": "0123456789", "a": "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "c": "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"}


def _countries() -> list[tuple[str, str]]:
    """(country, BBAN structure) for every country stdnum knows an IBAN format of."""
    registry = numdb.get("iban")
    found = []
    for first in "ABCDEFGHIJKLMNOPQRSTUVWXYZ":
        for second in "ABCDEFGHIJKLMNOPQRSTUVWXYZ":
            info = registry.info(first + second)
            if info and info[0][1].get("bban"):
                found.append((first + second, info[0][1]["bban"]))
    return found


def _random_iban(rng: random.Random, country: str, structure: str) -> str:
    bban = "".join(
        "".join(rng.choice(_FILL[kind]) for _ in range(int(length)))
        for length, kind in re.findall(r"(\d+)!([nac])", structure)
    )
    return country + iban.calc_check_digits(country + "00" + bban) + bban


def _broken(rng: random.Random, number: str) -> list[str]:
    position = rng.randrange(4, len(number))
    swapped = number[:position] + number[position - 1] + number[position] + number[position + 1 :]
    return [
        number[:2] + f"{(int(number[2:4]) + 1) % 100:02d}" + number[4:],  # wrong check digits
        number[:-1],  # one character short
        number + "0",  # one too many
        swapped,
        number[:position] + "X" + number[position + 1 :],  # a letter where a digit may stand
        "XX" + number[2:],  # unknown country
        number[:2] + "!" + number[3:],
        "",
        number[:3],
    ]


def test_stdnum_knows_many_countries() -> None:
    assert len(_countries()) > 60  # the corpus below covers the registry, not a handful


@pytest.mark.parametrize("seed", range(3))
def test_the_answer_is_stdnums(seed: int) -> None:
    rng = random.Random(seed)
    corpus = ["NL48ABNA0100000003", "BE71096123456769", "LU280019400644750000", "BE71096123456768"]
    for country, structure in _countries():
        for _ in range(5):
            number = _random_iban(rng, country, structure)
            corpus += [number, *_broken(rng, number)]
    disagreements = [number for number in corpus if is_iban(number) != iban.is_valid(number)]
    assert disagreements == []
    verdicts = {is_iban(number) for number in corpus}
    assert verdicts == {True, False}  # the corpus holds both answers


def _printed(number: str) -> list[str]:
    return [
        " ".join(number[i : i + 4] for i in range(0, len(number), 4)),  # the paper format
        number.lower(),
        f" {number}",
        number.replace(number[4:8], f"-{number[4:8]}-"),
    ]


@pytest.mark.parametrize("seed", range(2))
def test_only_the_electronic_format_is_an_iban(seed: int) -> None:
    rng = random.Random(seed)
    valid = ["DE89370400440532013000", "BE71096123456769"]
    generated = [_random_iban(rng, country, structure) for country, structure in _countries()]
    valid += [number for number in generated if iban.is_valid(number)]  # some fail a national check
    assert len(valid) > 60 and all(is_iban(number) for number in valid)
    printed = [form for number in valid for form in _printed(number)]
    assert all(iban.is_valid(form) for form in printed[:2])  # stdnum would take them
    assert [form for form in printed if is_iban(form)] == []


def test_a_number_far_longer_than_any_iban_is_refused_without_arithmetic() -> None:
    # Found by the pipeline fuzz: 5,000 letters made a 10,000-digit integer, beyond Python's limit.
    assert is_iban("A" * 5000) is False
    assert is_iban("DE89370400440532013000") is True
