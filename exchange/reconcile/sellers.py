"""DPI individual sellers against the taxpayer registry, by the same matcher as CRS parties: the home
TIN first (checked against name and birth date), then record linkage on name, birth date and address.

A seller is read from the store as the `Party` the matcher takes (its TINs: the identifiers without an
INType; an empty TIN the platform marked unknown takes no part), and its decision is kept in
`dpi_seller_match` in the shape of `party_match`. Before a registry is loaded, sellers await it.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime

from sqlalchemy import Connection, delete, insert, select

from exchange.reconcile.awaiting import registry_loaded
from exchange.reconcile.db_source import DatabaseSource
from exchange.reconcile.decisions import Decision, DecisionKind, Method
from exchange.reconcile.matcher import Matcher, query_of_party
from exchange.reconcile.report_matches import SellerMatch
from exchange.reconcile.service import BATCH_PARTIES, _row, policy_from
from exchange.reconcile.training import trained_models
from exchange.records import TIN, Address, AddressFix, Name, Party, PartyKind
from exchange.settings import Settings
from exchange.store.dpi_models import DpiSellerAddressRow, DpiSellerIdentifierRow, DpiSellerRow

_SELLER = DpiSellerRow.__table__.c
_IDENTIFIER = DpiSellerIdentifierRow.__table__.c
_ADDRESS = DpiSellerAddressRow.__table__.c


def seller_pages(connection: Connection, file_id: int, kind: PartyKind) -> Iterator[list[tuple[int, Party]]]:
    """(seller id, seller as a Party) of the file's sellers of one kind, a page at a time."""
    last = 0
    while True:
        page = connection.execute(
            select(_SELLER.id, _SELLER.full_name, _SELLER.first_name, _SELLER.middle_names)
            .add_columns(_SELLER.last_name, _SELLER.birth_date, _SELLER.vat)
            .where(_SELLER.file_id == file_id, _SELLER.kind == kind.value, _SELLER.id > last)
            .order_by(_SELLER.id)
            .limit(BATCH_PARTIES)
        ).all()
        if not page:
            return
        ids = [row.id for row in page]
        tins: dict[int, list[TIN]] = defaultdict(list)
        for t in connection.execute(
            select(_IDENTIFIER.seller_id, _IDENTIFIER.value, _IDENTIFIER.issued_by, _IDENTIFIER.in_type)
            .where(_IDENTIFIER.seller_id.in_(ids), _IDENTIFIER.value != "")
            .order_by(_IDENTIFIER.seller_id, _IDENTIFIER.position)
        ):
            tins[t.seller_id].append(TIN(t.value, t.issued_by, t.in_type))
        addresses: dict[int, list[Address]] = defaultdict(list)
        for a in connection.execute(
            select(_ADDRESS.seller_id, _ADDRESS.country_code, _ADDRESS.address_free, _ADDRESS.city)
            .add_columns(_ADDRESS.street, _ADDRESS.building_identifier, _ADDRESS.post_code)
            .where(_ADDRESS.seller_id.in_(ids))
            .order_by(_ADDRESS.seller_id, _ADDRESS.position)
        ):
            fix = None
            if a.city is not None:
                fix = AddressFix(
                    a.city, street=a.street, building_identifier=a.building_identifier, post_code=a.post_code
                )
            addresses[a.seller_id].append(Address(a.country_code, free=a.address_free, fix=fix))
        yield [
            (
                row.id,
                Party(
                    kind=kind,
                    names=(
                        Name(
                            full=row.full_name,
                            first=row.first_name,
                            middle=tuple(row.middle_names or ()),
                            last=row.last_name,
                        ),
                    ),
                    tins=tuple(tins.get(row.id, ())),
                    addresses=tuple(addresses.get(row.id, ())),
                    birth_date=row.birth_date,
                ),
            )
            for row in page
        ]
        last = ids[-1]


def _seller_row(
    file_id: int, seller_id: int, decision: Decision, now: datetime, version: str
) -> dict[str, object]:
    row = _row(file_id, seller_id, decision, now, version)
    row["seller_id"] = row.pop("party_id")
    return row


def reconcile_sellers(connection: Connection, file_id: int, settings: Settings) -> Counter[str]:
    """Decide every individual seller of a stored DPI file, replacing earlier decisions; the count of
    each decision."""
    connection.execute(delete(SellerMatch).where(SellerMatch.file_id == file_id))
    home = settings.home_jurisdiction
    counts: Counter[str] = Counter()
    now = datetime.now(UTC)
    if not registry_loaded(connection):
        waiting = Decision(ref=0, kind=DecisionKind.AWAITING, method=Method.NONE)
        for batch in seller_pages(connection, file_id, PartyKind.INDIVIDUAL):
            rows = [_seller_row(file_id, seller_id, waiting, now, "") for seller_id, _ in batch]
            connection.execute(insert(SellerMatch), rows)
            counts[DecisionKind.AWAITING.value] += len(rows)
        return counts
    matcher = Matcher(DatabaseSource(connection, home), policy_from(settings), trained_models(connection))
    for batch in seller_pages(connection, file_id, PartyKind.INDIVIDUAL):
        queries = [query_of_party(position, party, home) for position, (_, party) in enumerate(batch)]
        decisions = matcher.match(queries)
        rows = [
            _seller_row(file_id, seller_id, d, now, matcher.version(PartyKind.INDIVIDUAL))
            for (seller_id, _), d in zip(batch, decisions, strict=True)
        ]
        connection.execute(insert(SellerMatch), rows)
        counts.update(d.kind.value for d in decisions)
    return counts
