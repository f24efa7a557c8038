"""Tables of what DPI (DAC7) reports say: platform operators, the operators that assumed or handed over
their reporting, reportable sellers with their identifiers and addresses, their quarterly figures per
activity, and their immovable property listings. The SQL views over them are documented in
exchange/store/README.md.

A DPI PlatformOperator is a `reporting_fi` row (its identity in `party`, as any reporting entity's): this
table adds what only DPI says of it. Sellers are not `party` rows: a party belongs to an account or an
institution, and a seller's identity (several TINs, INs, VAT, GVS) is DPI's own; part 2 matches
`dpi_seller` to the registries the way `party` is matched.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from exchange.models import Base
from exchange.store.columns import AFTER_ADDRESS, AddressLines, LegalAddress, RecordHead
from exchange.store.columns import codes as _codes
from exchange.store.types import Amount, Count, Id


class DpiPlatformOperatorRow(Base):
    __tablename__ = "dpi_platform_operator"

    reporting_fi_id: Mapped[int] = mapped_column(Id, ForeignKey("reporting_fi.id"), primary_key=True)
    file_id: Mapped[int] = mapped_column(Id, ForeignKey("received_file.id"), index=True)
    vat: Mapped[str | None] = mapped_column(String)
    nexus: Mapped[str | None] = mapped_column(String)  # RPONEX1-5
    assumed_reporting: Mapped[bool | None] = mapped_column()
    business_names: Mapped[list[str]] = _codes()


class DpiOtherOperatorRow(RecordHead, Base):
    """An AssumingPlatformOperator or AssumedPlatformOperator of a body (`role`)."""

    __tablename__ = "dpi_other_operator"

    role: Mapped[str] = mapped_column(String)  # assuming, assumed
    name: Mapped[str | None] = mapped_column(String)
    tins: Mapped[list[str]] = _codes()
    res_country_codes: Mapped[list[str]] = _codes()
    country_code: Mapped[str | None] = mapped_column(String)
    address_free: Mapped[str | None] = mapped_column(Text)
    city: Mapped[str | None] = mapped_column(String)


class DpiSellerRow(RecordHead, Base):
    """A reportable seller: an individual (name parts, birth) or an entity (`full_name`), or a seller
    known through a government verification service (`gvs_*`, `full_name` the GVS name)."""

    __tablename__ = "dpi_seller"

    kind: Mapped[str] = mapped_column(String)  # individual, organisation
    full_name: Mapped[str | None] = mapped_column(String)
    first_name: Mapped[str | None] = mapped_column(String)
    middle_names: Mapped[list[str]] = _codes()
    last_name: Mapped[str | None] = mapped_column(String)
    birth_date: Mapped[date | None] = mapped_column()
    birth_city: Mapped[str | None] = mapped_column(String)
    birth_country_code: Mapped[str | None] = mapped_column(String)
    nationalities: Mapped[list[str]] = _codes()
    res_country_codes: Mapped[list[str]] = _codes()
    vat: Mapped[str | None] = mapped_column(String)
    nexus: Mapped[str | None] = mapped_column(String)
    business_names: Mapped[list[str]] = _codes()
    permanent_establishments: Mapped[list[str]] = _codes()
    financial_identifiers: Mapped[list[str]] = _codes()
    gvs_jurisdiction: Mapped[str | None] = mapped_column(String)
    gvs_reference: Mapped[str | None] = mapped_column(String)
    gvs_other_tin: Mapped[str | None] = mapped_column(String)


class DpiSellerIdentifierRow(Base):
    """A seller's TIN (`in_type` None) or entity IN (LEI, EIN, IIN, BRN, Other); indexed for matching."""

    __tablename__ = "dpi_seller_identifier"

    seller_id: Mapped[int] = mapped_column(Id, ForeignKey("dpi_seller.id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    value: Mapped[str] = mapped_column(String, index=True)
    issued_by: Mapped[str | None] = mapped_column(String)
    in_type: Mapped[str | None] = mapped_column(String)
    unknown: Mapped[bool | None] = mapped_column()


class DpiSellerAddressRow(LegalAddress, Base):
    __tablename__ = "dpi_seller_address"

    seller_id: Mapped[int] = mapped_column(Id, ForeignKey("dpi_seller.id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)


class DpiPropertyListingRow(AddressLines, Base):
    __tablename__ = "dpi_property_listing"

    seller_id: Mapped[int] = mapped_column(Id, ForeignKey("dpi_seller.id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    land_registration_number: Mapped[str | None] = mapped_column(String, sort_order=AFTER_ADDRESS)
    property_type: Mapped[str | None] = mapped_column(String, sort_order=AFTER_ADDRESS)  # DPI901-910
    other_property_type: Mapped[str | None] = mapped_column(String, sort_order=AFTER_ADDRESS)
    rented_days: Mapped[int | None] = mapped_column(Count, sort_order=AFTER_ADDRESS)


class DpiActivityRow(Base):
    """One quarter of one activity of a seller: immovable property rows name their listing."""

    __tablename__ = "dpi_activity"

    seller_id: Mapped[int] = mapped_column(Id, ForeignKey("dpi_seller.id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)  # the activity's place in the seller
    quarter: Mapped[int] = mapped_column(Integer, primary_key=True)  # 1-4
    activity: Mapped[str] = mapped_column(String, index=True)
    listing_position: Mapped[int | None] = mapped_column(Integer)
    consideration: Mapped[Decimal] = mapped_column(Amount)
    consideration_currency: Mapped[str] = mapped_column(String)
    fees: Mapped[Decimal] = mapped_column(Amount)
    fees_currency: Mapped[str] = mapped_column(String)
    taxes: Mapped[Decimal] = mapped_column(Amount)
    taxes_currency: Mapped[str] = mapped_column(String)
    activities: Mapped[int] = mapped_column(Count)
