"""The TIN rules of FACTS.md §6: every published example passes, and a broken check digit fails."""

from __future__ import annotations

import random
from datetime import date

import pytest

from exchange.records import PartyKind
from exchange.registry import lu_matricule
from exchange.registry.identifiers import IdType, InvalidIdentifierError, identify, normalize_tin
from exchange.registry.synthetic import numbers

VALID = [
    ("BE", "85073003328", IdType.BE_NATIONAL_NUMBER),
    ("BE", "01490700185", IdType.BE_BIS_NUMBER),  # born 2001: the check takes a leading 2; month +40
    ("BE", "98472899765", IdType.BE_BIS_NUMBER),
    ("BE", "0403019261", IdType.BE_ENTERPRISE_NUMBER),
    ("NL", "111222333", IdType.NL_BSN),
    ("LU", "1960090900163", IdType.LU_MATRICULE),
    ("LU", "1985011500173", IdType.LU_MATRICULE),
    ("DE", "36574261809", IdType.DE_IDNR),
    ("FR", "3023217600053", IdType.FR_SPI),
]


def _break_check_digit(value: str) -> str:
    return value[:-1] + str((int(value[-1]) + 1) % 10)


@pytest.mark.parametrize(("country", "value", "id_type"), VALID, ids=[v for _, v, _ in VALID])
def test_published_examples_are_valid(country: str, value: str, id_type: IdType) -> None:
    identifier = identify(country, value)
    assert (identifier.country, identifier.id_type, identifier.value) == (country, id_type, value)


@pytest.mark.parametrize(("country", "value", "id_type"), VALID, ids=[v for _, v, _ in VALID])
def test_a_changed_check_digit_is_invalid(country: str, value: str, id_type: IdType) -> None:
    with pytest.raises(InvalidIdentifierError):
        identify(country, _break_check_digit(value))
    assert normalize_tin(_break_check_digit(value), country) is None


@pytest.mark.parametrize(
    ("country", "written", "compact"),
    [
        ("BE", "85.07.30-033.28", "85073003328"),
        ("BE", "BE 0403.019.261", "0403019261"),
        ("BE", "403019261", "0403019261"),  # the old nine-digit form
        ("NL", "1112.22.333", "111222333"),
        ("LU", "1960 0909 001 63", "1960090900163"),
        ("DE", "36 574 261 809", "36574261809"),
    ],
)
def test_written_forms_normalize_to_the_compact_number(country: str, written: str, compact: str) -> None:
    assert normalize_tin(written, country) == compact


def test_the_kind_of_holder_selects_the_schemes() -> None:
    assert identify("BE", "0403019261", PartyKind.ORGANISATION).id_type is IdType.BE_ENTERPRISE_NUMBER
    with pytest.raises(InvalidIdentifierError, match="BE national number"):
        identify("BE", "0403019261", PartyKind.INDIVIDUAL)
    assert identify("NL", "111222333", PartyKind.ORGANISATION).id_type is IdType.NL_RSIN


def test_the_reason_never_repeats_the_number() -> None:
    with pytest.raises(InvalidIdentifierError) as caught:
        identify("BE", "85073003329")
    assert "85073003329" not in str(caught.value)
    assert "checksum" in str(caught.value)


def test_lu_matricule_needs_a_calendar_date_and_both_check_digits() -> None:
    body = "19850231001"  # 31 February
    with pytest.raises(InvalidIdentifierError):
        identify("LU", body + lu_matricule.check_digits(body))
    good = "1985011500173"
    luhn_broken = good[:11] + str((int(good[11]) + 1) % 10) + good[12]
    assert not lu_matricule.is_valid(luhn_broken)
    assert not lu_matricule.is_valid(good[:12] + str((int(good[12]) + 1) % 10))
    assert lu_matricule.birth_date(good) == date(1985, 1, 15)


def test_countries_without_rules_keep_a_compact_unchecked_form() -> None:
    identifier = identify("AT", "12-345/6789")
    assert (identifier.id_type, identifier.value) == (IdType.UNCHECKED, "123456789")
    with pytest.raises(InvalidIdentifierError):
        identify("AT", "x")


def test_synthetic_numbers_follow_the_rules() -> None:
    rng = random.Random(5)
    for _ in range(200):
        born = date.fromordinal(rng.randint(date(1925, 1, 1).toordinal(), date(2007, 12, 31).toordinal()))
        serial = rng.randint(1, 997)
        assert identify("BE", numbers.be_national_number(born, serial)).id_type is IdType.BE_NATIONAL_NUMBER
        assert (
            identify("BE", numbers.be_national_number(born, serial, bis=True)).id_type is IdType.BE_BIS_NUMBER
        )
        assert identify("BE", numbers.be_enterprise_number(rng)).id_type is IdType.BE_ENTERPRISE_NUMBER
        assert identify("NL", numbers.nl_bsn(rng)).id_type is IdType.NL_BSN
        assert identify("LU", numbers.lu_person(born, serial)).id_type is IdType.LU_MATRICULE
