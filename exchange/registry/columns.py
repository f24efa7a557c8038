"""The documented columns of registry files (one table per file), and turning a row into registry data.

- taxpayers: national_id, kind (individual or organisation); optional id_country, given_names,
  family_name (required for an individual), organisation_name (required for an organisation), birth_date
- addresses (the residence history): national_id, valid_from, city; optional id_country, valid_to
  (empty for the current address), country_code, street, house_number, post_code
- returns: national_id, tax_year, total_income; optional id_country, foreign_interest,
  foreign_dividends, foreign_gains, foreign_other
- foreign_accounts (declared in a return): national_id, tax_year, country_code, institution;
  optional id_country
- benefits (means-tested, per year): national_id, year, kind, amount; optional id_country
- properties (declared in a return as let, at home or abroad): national_id, tax_year, line (the
  property's number in the return), city, rental_income; optional id_country, country_code, street,
  house_number, post_code, land_registration_number, rented_days
- declared_income (a return's income by DPI activity type): national_id, tax_year, kind
  (immovable_property, personal_services, sale_of_goods or transportation_rental), amount; optional
  id_country
- companies (the company registry, exchange.registry.companies): enterprise_number, name; optional
  country, vat_number, legal_form, street, house_number, post_code, city, country_code, activity

`id_country` is the jurisdiction that issued `national_id` (default: the home jurisdiction). Dates are
ISO 8601 (YYYY-MM-DD), amounts decimal with a dot, years four digits.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from exchange.errors import ExchangeError
from exchange.records import Activity, PartyKind
from exchange.registry.companies import CompanyRowError, parse_company
from exchange.registry.data import (
    AddressData,
    BenefitData,
    DeclaredAccountData,
    DeclaredIncomeData,
    DeclaredPropertyData,
    FileRow,
    TaxpayerData,
    TaxReturnData,
)
from exchange.registry.identifiers import InvalidIdentifierError, identify


class RegistryFileError(ExchangeError):
    """The file as a whole cannot be loaded (unknown table, unknown or missing columns)."""


class RowError(ValueError):
    """Why one row is rejected; the message names the column, never the value."""


@dataclass(frozen=True, slots=True)
class TableSpec:
    name: str
    required: frozenset[str]
    optional: frozenset[str]
    parse: Callable[[Mapping[str, Any], str], FileRow]

    @property
    def columns(self) -> frozenset[str]:
        return self.required | self.optional


def _text(row: Mapping[str, Any], column: str) -> str | None:
    value = row.get(column)
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _required_text(row: Mapping[str, Any], column: str) -> str:
    value = _text(row, column)
    if value is None:
        raise RowError(f"{column} is empty")
    return value


def _date(row: Mapping[str, Any], column: str) -> date | None:
    value = row.get(column)
    if isinstance(value, date):
        return value
    text = _text(row, column)
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise RowError(f"{column} is not a date (YYYY-MM-DD)") from None


def _required_date(row: Mapping[str, Any], column: str) -> date:
    value = _date(row, column)
    if value is None:
        raise RowError(f"{column} is empty")
    return value


def _int(row: Mapping[str, Any], column: str) -> int:
    text = _required_text(row, column)
    try:
        return int(text)
    except ValueError:
        raise RowError(f"{column} is not a whole number") from None


def _amount(row: Mapping[str, Any], column: str, required: bool = True) -> Decimal:
    text = _text(row, column)
    if text is None:
        if required:
            raise RowError(f"{column} is empty")
        return Decimal(0)
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise RowError(f"{column} is not a decimal amount") from None
    if not value.is_finite() or abs(value) >= Decimal(10) ** 16:
        raise RowError(f"{column} is out of range")
    return value.quantize(Decimal("0.01"))


def _country(row: Mapping[str, Any], column: str, default: str) -> str:
    value = (_text(row, column) or default).upper()
    if len(value) != 2 or not value.isalpha():
        raise RowError(f"{column} is not a two-letter country code")
    return value


def _year(row: Mapping[str, Any], column: str) -> int:
    value = _int(row, column)
    if not 1900 <= value <= 2200:
        raise RowError(f"{column} is not a plausible year")
    return value


def _reference(row: Mapping[str, Any], home: str) -> tuple[str, str]:
    """(issuing country, compact national id) of the taxpayer a dependent row belongs to."""
    country = _country(row, "id_country", home)
    try:
        return country, identify(country, _required_text(row, "national_id")).value
    except InvalidIdentifierError as exc:
        raise RowError(f"national_id: {exc}") from None


def parse_taxpayer(row: Mapping[str, Any], home: str) -> TaxpayerData:
    country = _country(row, "id_country", home)
    kind_text = (_required_text(row, "kind")).lower()
    try:
        kind = PartyKind(kind_text)
    except ValueError:
        raise RowError("kind must be individual or organisation") from None
    try:
        identifier = identify(country, _required_text(row, "national_id"), kind)
    except InvalidIdentifierError as exc:
        raise RowError(f"national_id: {exc}") from None
    birth = _date(row, "birth_date")
    if birth is not None and not date(1880, 1, 1) <= birth <= date.today():
        raise RowError("birth_date is out of range")
    given, family, organisation = (_text(row, c) for c in ("given_names", "family_name", "organisation_name"))
    if kind is PartyKind.INDIVIDUAL and family is None:
        raise RowError("family_name is empty (required for an individual)")
    if kind is PartyKind.ORGANISATION and organisation is None:
        raise RowError("organisation_name is empty (required for an organisation)")
    return TaxpayerData(identifier.value, kind, country, given, family, organisation, birth)


def parse_address(row: Mapping[str, Any], home: str) -> AddressData:
    country, national_id = _reference(row, home)
    valid_from = _required_date(row, "valid_from")
    valid_to = _date(row, "valid_to")
    if valid_to is not None and valid_to < valid_from:
        raise RowError("valid_to is before valid_from")
    return AddressData(
        national_id=national_id,
        valid_from=valid_from,
        valid_to=valid_to,
        city=_required_text(row, "city"),
        country_code=_country(row, "country_code", home),
        street=_text(row, "street"),
        house_number=_text(row, "house_number"),
        post_code=_text(row, "post_code"),
        id_country=country,
    )


def parse_return(row: Mapping[str, Any], home: str) -> TaxReturnData:
    country, national_id = _reference(row, home)
    return TaxReturnData(
        national_id=national_id,
        tax_year=_year(row, "tax_year"),
        total_income=_amount(row, "total_income"),
        foreign_interest=_amount(row, "foreign_interest", required=False),
        foreign_dividends=_amount(row, "foreign_dividends", required=False),
        foreign_gains=_amount(row, "foreign_gains", required=False),
        foreign_other=_amount(row, "foreign_other", required=False),
        id_country=country,
    )


def parse_foreign_account(row: Mapping[str, Any], home: str) -> DeclaredAccountData:
    country, national_id = _reference(row, home)
    return DeclaredAccountData(
        national_id=national_id,
        tax_year=_year(row, "tax_year"),
        country_code=_country(row, "country_code", ""),
        institution=_required_text(row, "institution"),
        id_country=country,
    )


def parse_benefit(row: Mapping[str, Any], home: str) -> BenefitData:
    country, national_id = _reference(row, home)
    kind = _required_text(row, "kind")
    if len(kind) > 40:
        raise RowError("kind is longer than 40 characters")
    amount = _amount(row, "amount")
    if amount < 0:
        raise RowError("amount is negative")
    return BenefitData(national_id, _year(row, "year"), kind, amount, country)


def parse_property(row: Mapping[str, Any], home: str) -> DeclaredPropertyData:
    country, national_id = _reference(row, home)
    line = _int(row, "line")
    if line < 1:
        raise RowError("line is not a positive number")
    income = _amount(row, "rental_income")
    if income < 0:
        raise RowError("rental_income is negative")
    days = None if _text(row, "rented_days") is None else _int(row, "rented_days")
    if days is not None and not 0 <= days <= 366:
        raise RowError("rented_days is not between 0 and 366")
    return DeclaredPropertyData(
        national_id=national_id,
        tax_year=_year(row, "tax_year"),
        line=line,
        city=_required_text(row, "city"),
        rental_income=income,
        country_code=_country(row, "country_code", home),
        street=_text(row, "street"),
        house_number=_text(row, "house_number"),
        post_code=_text(row, "post_code"),
        land_registration_number=_text(row, "land_registration_number"),
        rented_days=days,
        id_country=country,
    )


def parse_declared_income(row: Mapping[str, Any], home: str) -> DeclaredIncomeData:
    country, national_id = _reference(row, home)
    kind = _required_text(row, "kind").lower()
    if kind not in {activity.value for activity in Activity}:
        raise RowError(f"kind must be one of {', '.join(activity.value for activity in Activity)}")
    amount = _amount(row, "amount")
    if amount < 0:
        raise RowError("amount is negative")
    return DeclaredIncomeData(national_id, _year(row, "tax_year"), kind, amount, country)


def _company(row: Mapping[str, Any], home: str) -> FileRow:
    try:
        return parse_company(row, home)
    except CompanyRowError as exc:
        raise RowError(str(exc)) from None


def _spec(
    name: str, required: str, optional: str, parse: Callable[[Mapping[str, Any], str], FileRow]
) -> TableSpec:
    return TableSpec(name, frozenset(required.split()), frozenset(optional.split()), parse)


TABLES: dict[str, TableSpec] = {
    spec.name: spec
    for spec in (
        _spec(
            "taxpayers",
            "national_id kind",
            "id_country given_names family_name organisation_name birth_date",
            parse_taxpayer,
        ),
        _spec(
            "addresses",
            "national_id valid_from city",
            "id_country valid_to country_code street house_number post_code",
            parse_address,
        ),
        _spec(
            "returns",
            "national_id tax_year total_income",
            "id_country foreign_interest foreign_dividends foreign_gains foreign_other",
            parse_return,
        ),
        _spec(
            "foreign_accounts",
            "national_id tax_year country_code institution",
            "id_country",
            parse_foreign_account,
        ),
        _spec("benefits", "national_id year kind amount", "id_country", parse_benefit),
        _spec(
            "properties",
            "national_id tax_year line city rental_income",
            "id_country country_code street house_number post_code land_registration_number rented_days",
            parse_property,
        ),
        _spec("declared_income", "national_id tax_year kind amount", "id_country", parse_declared_income),
        _spec(
            "companies",
            "enterprise_number name",
            "country vat_number legal_form street house_number post_code city country_code activity",
            _company,
        ),
    )
}


def detect_table(columns: list[str], name: str | None = None) -> TableSpec:
    """The table a file holds: the one named, or the one whose required columns the header has (the
    most specific wins). Unknown columns are an error, so a misspelt column never drops data silently."""
    present = set(columns)
    if name is not None:
        if name not in TABLES:
            raise RegistryFileError(f"unknown table {name!r}: choose one of {', '.join(TABLES)}")
        spec = TABLES[name]
    else:
        fitting = [spec for spec in TABLES.values() if spec.required <= present and present <= spec.columns]
        if not fitting:
            raise RegistryFileError(
                "the columns fit no registry table (see `exchange registry load --help` for the columns)"
            )
        spec = max(fitting, key=lambda s: len(s.required))
    missing = spec.required - present
    unknown = present - spec.columns
    if missing:
        raise RegistryFileError(f"{spec.name}: missing columns {', '.join(sorted(missing))}")
    if unknown:
        raise RegistryFileError(f"{spec.name}: unknown columns {', '.join(sorted(unknown))}")
    return spec
