"""What PF01 and PF03 compare a taxpayer's platform income with: what the return of the year declares
(income by DPI activity type, the properties let) and each live property listing the platforms
reported, with where it stands against the declared properties (property_match).

Read a batch of taxpayers at a time by indexed IN look-ups (exchange.anomalies.report_facts calls these
for each batch of its platform years), so the per-record path stays set-based.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import ColumnElement, Connection, and_, extract, func, select

from exchange.reconcile.db_source import chunked
from exchange.reconcile.report_matches import PropertyMatch, SellerMatch
from exchange.records import Activity
from exchange.registry.declared_models import DeclaredIncome, DeclaredProperty
from exchange.registry.models import TaxReturn
from exchange.store.dpi_models import DpiActivityRow, DpiPropertyListingRow, DpiSellerRow
from exchange.store.models import DocRecord, MessageHeaderRow

TaxpayerYear = tuple[int, int]


@dataclass(frozen=True, slots=True)
class DeclaredReturn:
    """A return of the year: its income by activity type, and the rents of the properties it declares."""

    by_kind: Mapping[str, Decimal] = field(default_factory=dict)
    rents: Decimal = Decimal(0)

    def of(self, kind: str) -> Decimal:
        """What the return declares of a kind; for rentals at least the rents of its properties (a
        return may give them per property only)."""
        declared = self.by_kind.get(kind, Decimal(0))
        return max(declared, self.rents) if kind == Activity.IMMOVABLE_PROPERTY.value else declared


@dataclass(frozen=True, slots=True)
class ListingFacts:
    """One live property listing of a seller matched to the taxpayer, and the declaration it matched."""

    sender: str
    seller_id: int
    position: int
    place: str  # the land registration number, else the address, as reported
    paid: tuple[tuple[str, Decimal], ...]  # consideration per currency
    rented_days: int | None
    decision: str | None  # property_match's; None when not reconciled yet
    method: str | None
    declared_by_seller: bool
    declared_rent: Decimal | None
    declared_days: int | None

    def paid_in(self, currency: str) -> Decimal | None:
        amounts = [amount for found, amount in self.paid if found == currency]
        return sum(amounts, Decimal(0)) if amounts else None


def declared_returns(connection: Connection, taxpayers: Sequence[int]) -> dict[TaxpayerYear, DeclaredReturn]:
    """The returns of these taxpayers (every year), with what they declare of platform income."""
    kinds: dict[TaxpayerYear, dict[str, Decimal]] = defaultdict(dict)
    rents: dict[TaxpayerYear, Decimal] = {}
    present: set[TaxpayerYear] = set()
    for batch in chunked(taxpayers):
        returns = select(TaxReturn.taxpayer_id, TaxReturn.tax_year).where(TaxReturn.taxpayer_id.in_(batch))
        present.update((int(t), int(y)) for t, y in connection.execute(returns))
        income = select(DeclaredIncome.taxpayer_id, DeclaredIncome.tax_year, DeclaredIncome.kind)
        for taxpayer, year, kind, amount in connection.execute(
            income.add_columns(DeclaredIncome.amount).where(DeclaredIncome.taxpayer_id.in_(batch))
        ):
            kinds[(taxpayer, year)][kind] = amount
        let = (
            select(
                DeclaredProperty.taxpayer_id,
                DeclaredProperty.tax_year,
                func.sum(DeclaredProperty.rental_income),
            )
            .where(DeclaredProperty.taxpayer_id.in_(batch))
            .group_by(DeclaredProperty.taxpayer_id, DeclaredProperty.tax_year)
        )
        for taxpayer, year, total in connection.execute(let):
            rents[(taxpayer, year)] = Decimal(total)
    return {key: DeclaredReturn(kinds.get(key, {}), rents.get(key, Decimal(0))) for key in present}


def _place(row: object) -> str:
    number = getattr(row, "land_registration_number", None)
    if number:
        return str(number)
    parts = [getattr(row, name, None) for name in ("street", "building_identifier", "city", "country_code")]
    text = " ".join(str(part) for part in parts if part)
    return text or str(getattr(row, "address_free", "") or "")


def listing_facts(
    connection: Connection,
    taxpayers: Sequence[int],
    pairs: Collection[TaxpayerYear],
    live: ColumnElement[bool],
) -> dict[TaxpayerYear, list[ListingFacts]]:
    """The live listings of the sellers matched to these taxpayers, by (taxpayer, year)."""
    listing = DpiPropertyListingRow.__table__.c
    year = extract("year", MessageHeaderRow.reporting_period)
    found: dict[TaxpayerYear, list[ListingFacts]] = defaultdict(list)
    for batch in chunked(taxpayers):
        query = (
            select(
                SellerMatch.taxpayer_id.label("seller_taxpayer"),
                year.label("year"),
                DocRecord.sender,
                listing.seller_id,
                listing.position,
                listing.land_registration_number,
                listing.street,
                listing.building_identifier,
                listing.city,
                listing.country_code,
                listing.address_free,
                listing.rented_days,
                PropertyMatch.decision,
                PropertyMatch.method,
                PropertyMatch.taxpayer_id.label("declarant"),
                DeclaredProperty.rental_income,
                DeclaredProperty.rented_days.label("declared_days"),
            )
            .join(DpiSellerRow, DpiSellerRow.id == SellerMatch.seller_id)
            .join(DocRecord, and_(DocRecord.id == DpiSellerRow.doc_record_id, live))
            .join(MessageHeaderRow, MessageHeaderRow.file_id == DpiSellerRow.file_id)
            .join(DpiPropertyListingRow.__table__, listing.seller_id == DpiSellerRow.id)
            .outerjoin(
                PropertyMatch,
                and_(
                    PropertyMatch.seller_id == listing.seller_id, PropertyMatch.position == listing.position
                ),
            )
            .outerjoin(
                DeclaredProperty,
                and_(
                    DeclaredProperty.taxpayer_id == PropertyMatch.taxpayer_id,
                    DeclaredProperty.tax_year == PropertyMatch.tax_year,
                    DeclaredProperty.line == PropertyMatch.line,
                ),
            )
            .where(SellerMatch.decision == "match", SellerMatch.taxpayer_id.in_(batch))
            .order_by(listing.seller_id, listing.position)
        )
        rows = [row for row in connection.execute(query) if (row.seller_taxpayer, int(row.year)) in pairs]
        paid = _listing_payments(connection, sorted({row.seller_id for row in rows}))
        for row in rows:
            found[(row.seller_taxpayer, int(row.year))].append(
                ListingFacts(
                    sender=row.sender,
                    seller_id=row.seller_id,
                    position=row.position,
                    place=_place(row),
                    paid=tuple(sorted(paid.get((row.seller_id, row.position), {}).items())),
                    rented_days=row.rented_days,
                    decision=row.decision,
                    method=row.method,
                    declared_by_seller=row.declarant is not None and row.declarant == row.seller_taxpayer,
                    declared_rent=row.rental_income,
                    declared_days=row.declared_days,
                )
            )
    return found


def _listing_payments(
    connection: Connection, sellers: Sequence[int]
) -> dict[tuple[int, int], dict[str, Decimal]]:
    """Consideration per listing (seller, listing position) and currency, over the four quarters."""
    a = DpiActivityRow
    paid: dict[tuple[int, int], dict[str, Decimal]] = defaultdict(dict)
    for batch in chunked(sellers):
        query = (
            select(a.seller_id, a.listing_position, a.consideration_currency, func.sum(a.consideration))
            .where(a.seller_id.in_(batch), a.listing_position.is_not(None))
            .group_by(a.seller_id, a.listing_position, a.consideration_currency)
        )
        for seller, position, currency, total in connection.execute(query):
            if position is not None:
                paid[(seller, position)][currency] = Decimal(total)
    return paid
