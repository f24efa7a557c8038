"""DPI immovable property listings against the properties that returns declare as let.

A listing is looked for among the declarations of its report's year: first by land registration number
(`declared_property.land_key`, indexed), then, for a listing whose number finds nothing or that gives
none, by address (`address_key`: country, city, street and house number folded; exchange.reconcile.
property_keys). Among the declarations that agree, the seller's own (the taxpayer its seller is matched
to) is chosen; otherwise a single one is the match, several are `candidates` (none chosen), none is
`no_match`. Before a registry is loaded, listings await it, as sellers do. Everything is read a batch of
listings at a time by indexed IN look-ups: set-based, whatever the size of the file.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, delete, extract, insert, select

from exchange.reconcile.awaiting import registry_loaded
from exchange.reconcile.db_source import chunked
from exchange.reconcile.decisions import DecisionKind
from exchange.reconcile.property_keys import address_key, free_text_address_key, land_key
from exchange.reconcile.report_matches import PropertyMatch, SellerMatch
from exchange.registry.declared_models import DeclaredProperty
from exchange.store.dpi_models import DpiPropertyListingRow, DpiSellerRow
from exchange.store.models import MessageHeaderRow

LAND_REGISTRATION, ADDRESS, NONE = "land_registration", "address", "none"
_DECLARED = DeclaredProperty.__table__.c


@dataclass(frozen=True, slots=True)
class Listing:
    seller_id: int
    position: int
    year: int
    seller_taxpayer: int | None  # whom the seller is matched to (decision match)
    land_key: str | None
    address_key: str | None


@dataclass(frozen=True, slots=True)
class Declaration:
    taxpayer_id: int
    tax_year: int
    line: int


@dataclass(frozen=True, slots=True)
class PropertyDecision:
    kind: DecisionKind
    method: str
    declaration: Declaration | None = None
    agreeing: int = 0


def file_listings(connection: Connection, file_id: int) -> Iterator[Listing]:
    listing, seller = DpiPropertyListingRow.__table__.c, DpiSellerRow.__table__.c
    year = extract("year", MessageHeaderRow.reporting_period)
    query = (
        select(
            listing.seller_id,
            listing.position,
            listing.country_code,
            listing.street,
            listing.building_identifier,
            listing.city,
            listing.address_free,
            listing.land_registration_number,
            year.label("year"),
            SellerMatch.taxpayer_id,
            SellerMatch.decision,
        )
        .join(DpiSellerRow.__table__, seller.id == listing.seller_id)
        .join(MessageHeaderRow, MessageHeaderRow.file_id == seller.file_id)
        .outerjoin(SellerMatch, SellerMatch.seller_id == seller.id)
        .where(seller.file_id == file_id)
        .order_by(listing.seller_id, listing.position)
    )
    for row in connection.execute(query):
        where = address_key(row.country_code, row.street, row.building_identifier, row.city)
        if where is None and row.address_free:
            where = free_text_address_key(row.country_code, row.address_free)
        yield Listing(
            row.seller_id,
            row.position,
            int(row.year),
            row.taxpayer_id if row.decision == DecisionKind.MATCH.value else None,
            land_key(row.land_registration_number),
            where,
        )


def _declarations(
    connection: Connection, column: str, keys: set[tuple[str, int]]
) -> dict[tuple[str, int], list[Declaration]]:
    """The declarations whose `column` (land_key or address_key) and year are among `keys`."""
    found: dict[tuple[str, int], list[Declaration]] = defaultdict(list)
    for batch in chunked(sorted({key for key, _ in keys})):
        query = select(_DECLARED[column], _DECLARED.taxpayer_id, _DECLARED.tax_year, _DECLARED.line).where(
            _DECLARED[column].in_(batch)
        )
        for key, taxpayer, year, line in connection.execute(query.order_by(_DECLARED.taxpayer_id)):
            if (key, year) in keys:
                found[(key, year)].append(Declaration(taxpayer, year, line))
    return found


def _choose(listing: Listing, agreeing: list[Declaration], method: str) -> PropertyDecision:
    own = [d for d in agreeing if d.taxpayer_id == listing.seller_taxpayer]
    if own:
        return PropertyDecision(DecisionKind.MATCH, method, own[0], len(agreeing))
    if len(agreeing) == 1:
        return PropertyDecision(DecisionKind.MATCH, method, agreeing[0], 1)
    return PropertyDecision(DecisionKind.CANDIDATES, method, None, len(agreeing))


def decide(connection: Connection, listings: list[Listing]) -> list[PropertyDecision]:
    """One decision per listing, in order: by land registration number, else by address."""
    by_land = _declarations(
        connection, "land_key", {(x.land_key, x.year) for x in listings if x.land_key is not None}
    )
    by_address = _declarations(
        connection, "address_key", {(x.address_key, x.year) for x in listings if x.address_key is not None}
    )
    decisions = []
    for listing in listings:
        land = by_land.get((listing.land_key, listing.year)) if listing.land_key else None
        place = by_address.get((listing.address_key, listing.year)) if listing.address_key else None
        if land:
            decisions.append(_choose(listing, land, LAND_REGISTRATION))
        elif place:
            decisions.append(_choose(listing, place, ADDRESS))
        else:
            decisions.append(PropertyDecision(DecisionKind.NO_MATCH, NONE))
    return decisions


def reconcile_properties(connection: Connection, file_id: int) -> Counter[str]:
    """Decide every property listing of a stored DPI file (after its sellers), replacing earlier
    decisions; the count of each decision."""
    connection.execute(delete(PropertyMatch).where(PropertyMatch.file_id == file_id))
    loaded = registry_loaded(connection)
    counts: Counter[str] = Counter()
    now = datetime.now(UTC)
    for batch in chunked(list(file_listings(connection, file_id)), 500):
        decisions = (
            decide(connection, batch)
            if loaded
            else [PropertyDecision(DecisionKind.AWAITING, NONE)] * len(batch)
        )
        rows = [
            {
                "seller_id": listing.seller_id,
                "position": listing.position,
                "file_id": file_id,
                "decision": decision.kind.value,
                "method": decision.method,
                "taxpayer_id": decision.declaration.taxpayer_id if decision.declaration else None,
                "tax_year": decision.declaration.tax_year if decision.declaration else None,
                "line": decision.declaration.line if decision.declaration else None,
                "candidates": decision.agreeing,
                "matched_at": now,
            }
            for listing, decision in zip(batch, decisions, strict=True)
        ]
        connection.execute(insert(PropertyMatch), rows)
        counts.update(decision.kind.value for decision in decisions)
    return counts
