"""The company registry's rows: reading a `companies` file's row, and writing rows to `company`.

Columns of a companies file: enterprise_number, name; optional country (that issued the number, default
the home jurisdiction), vat_number, legal_form, street, house_number, post_code, city, country_code (of
the registered address, default the issuing country), activity (NACE code, such as 68.20). Numbers are
checked with python-stdnum where it has the scheme (exchange.registry.company_numbers); a Belgian
company without a VAT number gets the one its enterprise number implies.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Table

from exchange.reconcile.normalize import organisation_key
from exchange.registry.company_models import Company
from exchange.registry.company_numbers import (
    InvalidCompanyNumberError,
    enterprise_number,
    vat_number,
    vat_of_enterprise,
)
from exchange.registry.data import CompanyData
from exchange.registry.upsert import _upsert

_NACE = re.compile(r"\d{2}(?:\.\d{1,2})?")
_KEY = ["country", "enterprise_number"]


class CompanyRowError(ValueError):
    """Why a companies row is rejected; names the column, never the value."""


def _text(row: Mapping[str, Any], column: str) -> str | None:
    value = row.get(column)
    text = "" if value is None else str(value).strip()
    return text or None


def _country(row: Mapping[str, Any], column: str, default: str) -> str:
    value = (_text(row, column) or default).upper()
    if len(value) != 2 or not value.isalpha():
        raise CompanyRowError(f"{column} is not a two-letter country code")
    return value


def parse_company(row: Mapping[str, Any], home: str) -> CompanyData:
    country = _country(row, "country", home)
    number, name = _text(row, "enterprise_number"), _text(row, "name")
    if number is None:
        raise CompanyRowError("enterprise_number is empty")
    if name is None:
        raise CompanyRowError("name is empty")
    try:
        compact = enterprise_number(country, number)
    except InvalidCompanyNumberError as exc:
        raise CompanyRowError(f"enterprise_number: {exc}") from None
    written_vat = _text(row, "vat_number")
    try:
        vat = vat_number(country, written_vat) if written_vat else vat_of_enterprise(country, compact)
    except InvalidCompanyNumberError as exc:
        raise CompanyRowError(f"vat_number: {exc}") from None
    activity = _text(row, "activity")
    if activity is not None and not _NACE.fullmatch(activity):
        raise CompanyRowError("activity is not a NACE code (such as 68.20)")
    legal_form = _text(row, "legal_form")
    if legal_form is not None and len(legal_form) > 40:
        raise CompanyRowError("legal_form is longer than 40 characters")
    return CompanyData(
        enterprise_number=compact,
        name=name,
        country=country,
        vat_number=vat,
        legal_form=legal_form,
        street=_text(row, "street"),
        house_number=_text(row, "house_number"),
        post_code=_text(row, "post_code"),
        city=_text(row, "city"),
        country_code=_country(row, "country_code", country),
        activity=activity,
    )


def company_row(company: CompanyData, now: datetime) -> dict[str, Any]:
    return {
        "country": company.country,
        "enterprise_number": company.enterprise_number,
        "vat_number": company.vat_number,
        "name": company.name,
        "name_key": organisation_key(company.name),
        "legal_form": company.legal_form,
        "street": company.street,
        "house_number": company.house_number,
        "post_code": company.post_code,
        "city": company.city,
        "country_code": company.country_code,
        "activity": company.activity,
        "updated_at": now,
    }


def upsert_companies(connection: Connection, companies: Sequence[CompanyData]) -> int:
    """Insert the companies, or update in place those whose (country, enterprise number) is there."""
    table: Table = Company.__table__  # type: ignore[assignment]
    now = datetime.now(UTC)
    # One statement may not touch a row twice on PostgreSQL: of a company named twice, the last wins,
    # as if the two were written one after the other (synthetic sister companies can share a number).
    rows = {(c.country, c.enterprise_number): company_row(c, now) for c in companies}
    _upsert(connection, table, list(rows.values()), _KEY)
    return len(companies)
