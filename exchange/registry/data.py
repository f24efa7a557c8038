"""The registry's rows as plain values: what a load reads from CSV or Parquet, what the synthetic
generator produces, and what both hand to the database. Taxpayers are referred to by their national
identifier (with the country that issued it), never by a database id, so files can be loaded in any
order and again."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from exchange.records import PartyKind


@dataclass(frozen=True, slots=True)
class TaxpayerData:
    national_id: str
    kind: PartyKind
    id_country: str = "BE"
    given_names: str | None = None
    family_name: str | None = None
    organisation_name: str | None = None
    birth_date: date | None = None


@dataclass(frozen=True, slots=True)
class AddressData:
    national_id: str
    valid_from: date
    city: str
    country_code: str = "BE"
    valid_to: date | None = None
    street: str | None = None
    house_number: str | None = None
    post_code: str | None = None
    id_country: str = "BE"


@dataclass(frozen=True, slots=True)
class TaxReturnData:
    national_id: str
    tax_year: int
    total_income: Decimal
    foreign_interest: Decimal = Decimal(0)
    foreign_dividends: Decimal = Decimal(0)
    foreign_gains: Decimal = Decimal(0)
    foreign_other: Decimal = Decimal(0)
    id_country: str = "BE"


@dataclass(frozen=True, slots=True)
class DeclaredAccountData:
    national_id: str
    tax_year: int
    country_code: str
    institution: str
    id_country: str = "BE"


@dataclass(frozen=True, slots=True)
class BenefitData:
    national_id: str
    year: int
    kind: str
    amount: Decimal
    id_country: str = "BE"


@dataclass(frozen=True, slots=True)
class DeclaredPropertyData:
    """A property the return declares as let (at home or abroad): where it is, its land registration
    number, the rental income and the days let the return declares; `line` numbers it in the return."""

    national_id: str
    tax_year: int
    line: int
    city: str
    rental_income: Decimal
    country_code: str = "BE"
    street: str | None = None
    house_number: str | None = None
    post_code: str | None = None
    land_registration_number: str | None = None
    rented_days: int | None = None
    id_country: str = "BE"


@dataclass(frozen=True, slots=True)
class DeclaredIncomeData:
    """Income of one DPI activity type (exchange.records.Activity) the return declares for the year."""

    national_id: str
    tax_year: int
    kind: str
    amount: Decimal
    id_country: str = "BE"


@dataclass(frozen=True, slots=True)
class CompanyData:
    """A company of the company registry (exchange.registry.companies), keyed by its enterprise number."""

    enterprise_number: str
    name: str
    country: str = "BE"
    vat_number: str | None = None
    legal_form: str | None = None
    street: str | None = None
    house_number: str | None = None
    post_code: str | None = None
    city: str | None = None
    country_code: str = "BE"
    activity: str | None = None


RegistryRow = (
    TaxpayerData
    | AddressData
    | TaxReturnData
    | DeclaredAccountData
    | BenefitData
    | DeclaredPropertyData
    | DeclaredIncomeData
)
# The rows that belong to a return: their taxpayer's return of the year must be loaded first.
ReturnRow = DeclaredAccountData | DeclaredPropertyData | DeclaredIncomeData
# What a registry file's row can be: a taxpayer's row, or a company of the company registry.
FileRow = RegistryRow | CompanyData
