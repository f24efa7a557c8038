"""Entity sellers of DPI files and constituent entities of CbC files against the company registry.

First the numbers: every identifier the report gives (TIN, IN, VAT), read as a Benelux enterprise or
VAT number (exchange.registry.company_numbers), looked up by index. Then, for an entity whose numbers
find no company, the name: the same folded name without legal form (the registry keeps it folded in
`company.name_key`), and, when the report gives an address, the same post code or city. One company
agreeing is a match; several are `candidates` (none chosen); none is `no_match`.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, and_, delete, insert, or_, select

from exchange.reconcile.db_source import chunked
from exchange.reconcile.decisions import DecisionKind
from exchange.reconcile.normalize import organisation_key
from exchange.reconcile.profile import AddressKey, address_key, free_address_key
from exchange.reconcile.report_matches import CompanyMatch
from exchange.registry.company_models import Company
from exchange.registry.company_numbers import read_any
from exchange.store.cbc_models import CbcConstituentEntityRow, CbcReportRow
from exchange.store.dpi_models import DpiSellerAddressRow, DpiSellerIdentifierRow, DpiSellerRow

SELLER, CBC_ENTITY = "dpi_seller", "cbc_entity"
_COMPANY = Company.__table__.c


@dataclass(frozen=True, slots=True)
class Entity:
    """A reported entity as the company matching reads it."""

    source: str
    source_id: int
    position: int
    identifiers: tuple[str, ...]
    name: str
    address: AddressKey | None


@dataclass(frozen=True, slots=True)
class CompanyDecision:
    kind: DecisionKind
    method: str  # number, name, none
    company_id: int | None = None


_AWAITING = CompanyDecision(DecisionKind.AWAITING, "none")


def _numbers(entity: Entity) -> set[tuple[str, str]]:
    return {found for value in entity.identifiers for found in read_any(value)}


def _by_numbers(connection: Connection, entities: Sequence[Entity]) -> dict[tuple[str, str], int]:
    """Company ids by (country, enterprise number) and by ("VAT", VAT number)."""
    wanted = {number for entity in entities for number in _numbers(entity)}
    found: dict[tuple[str, str], int] = {}
    for batch in chunked(sorted(wanted)):
        by_country: dict[str, list[str]] = defaultdict(list)
        for country, number in batch:
            by_country[country].append(number)
        vats = [number for _, number in batch if number[:2].isalpha()]
        conditions = [
            and_(_COMPANY.country == country, _COMPANY.enterprise_number.in_(numbers))
            for country, numbers in by_country.items()
        ]
        query = select(_COMPANY.id, _COMPANY.country, _COMPANY.enterprise_number, _COMPANY.vat_number)
        for row in connection.execute(query.where(or_(*conditions, _COMPANY.vat_number.in_(vats)))):
            found[(row.country, row.enterprise_number)] = row.id
            if row.vat_number is not None:
                found[("VAT", row.vat_number)] = row.id
    return found


def _number_match(entity: Entity, known: dict[tuple[str, str], int]) -> int | None:
    for country, number in sorted(_numbers(entity)):
        company = known.get((country, number)) or known.get(("VAT", number))
        if company is not None:
            return company
    return None


def _agrees(address: AddressKey | None, company: AddressKey) -> bool:
    if address is None or not (address.post_code or address.city):
        return True  # the report gives no address to disagree with
    return bool(
        (address.post_code and address.post_code == company.post_code)
        or (address.city and address.city == company.city)
    )


def decide(connection: Connection, entities: Sequence[Entity]) -> list[CompanyDecision]:
    """One decision per entity, in order: by number, else by name and address."""
    known = _by_numbers(connection, entities)
    decisions: dict[int, CompanyDecision] = {}
    for index, entity in enumerate(entities):
        company = _number_match(entity, known)
        if company is not None:
            decisions[index] = CompanyDecision(DecisionKind.MATCH, "number", company)
    keys = {organisation_key(e.name) for i, e in enumerate(entities) if i not in decisions and e.name}
    named: dict[str, list[tuple[int, AddressKey]]] = defaultdict(list)
    for batch in chunked(sorted(key for key in keys if key)):
        query = select(_COMPANY.id, _COMPANY.name_key, _COMPANY.post_code, _COMPANY.city)
        for row in connection.execute(query.where(_COMPANY.name_key.in_(batch))):
            named[row.name_key].append((row.id, address_key(row.post_code, row.city, None, None)))
    for index, entity in enumerate(entities):
        if index in decisions:
            continue
        agreeing = [
            company
            for company, where in named.get(organisation_key(entity.name), [])
            if _agrees(entity.address, where)
        ]
        if len(agreeing) == 1:
            decisions[index] = CompanyDecision(DecisionKind.MATCH, "name", agreeing[0])
        elif agreeing:
            decisions[index] = CompanyDecision(DecisionKind.CANDIDATES, "name")
        else:
            decisions[index] = CompanyDecision(DecisionKind.NO_MATCH, "none")
    return [decisions[index] for index in range(len(entities))]


def _seller_entities(connection: Connection, file_id: int) -> Iterator[Entity]:
    s, i, a = DpiSellerRow.__table__.c, DpiSellerIdentifierRow.__table__.c, DpiSellerAddressRow.__table__.c
    sellers = connection.execute(
        select(s.id, s.full_name, s.vat).where(s.file_id == file_id, s.kind == "organisation").order_by(s.id)
    ).all()
    ids = [row.id for row in sellers]
    identifiers: dict[int, list[str]] = defaultdict(list)
    addresses: dict[int, AddressKey] = {}
    for batch in chunked(ids):
        for found in connection.execute(
            select(i.seller_id, i.value).where(i.seller_id.in_(batch), i.value != "").order_by(i.position)
        ):
            identifiers[found.seller_id].append(found.value)
        for place in connection.execute(
            select(a.seller_id, a.post_code, a.city, a.address_free).where(
                a.seller_id.in_(batch), a.position == 0
            )
        ):
            addresses[place.seller_id] = (
                address_key(place.post_code, place.city, None, None)
                if place.city is not None
                else free_address_key(place.address_free or "")
            )
    for row in sellers:
        numbers = (*identifiers.get(row.id, ()), *((row.vat,) if row.vat else ()))
        yield Entity(SELLER, row.id, 0, numbers, row.full_name or "", addresses.get(row.id))


def _cbc_entities(connection: Connection, file_id: int) -> Iterator[Entity]:
    c, r = CbcConstituentEntityRow.__table__.c, CbcReportRow.__table__.c
    query = (
        select(c.report_id, c.position, c.name, c.tin, c.identifiers, c.city, c.address_free)
        .join(CbcReportRow.__table__, r.id == c.report_id)
        .where(r.file_id == file_id)
        .order_by(c.report_id, c.position)
    )
    for row in connection.execute(query):
        # INs are kept as "INType:value"
        numbers = (
            *((row.tin,) if row.tin else ()),
            *(value.split(":", 1)[-1] for value in row.identifiers or ()),
        )
        where = (
            address_key(None, row.city, None, None) if row.city else free_address_key(row.address_free or "")
        )
        yield Entity(CBC_ENTITY, row.report_id, row.position, numbers, row.name or "", where)


def reconcile_companies(connection: Connection, file_id: int) -> Counter[str]:
    """Decide every entity seller and constituent entity of a stored file, replacing earlier decisions.
    Before a company registry is loaded the entities await it, as parties await the taxpayer registry
    (exchange.reconcile.awaiting): no entity is "absent from the registry" because there is none."""
    connection.execute(delete(CompanyMatch).where(CompanyMatch.file_id == file_id))
    counts: Counter[str] = Counter()
    now = datetime.now(UTC)
    loaded = connection.execute(select(_COMPANY.id).limit(1)).first() is not None
    entities: Iterable[Entity] = (*_seller_entities(connection, file_id), *_cbc_entities(connection, file_id))
    for batch in chunked(entities, 500):
        decisions = decide(connection, batch) if loaded else [_AWAITING] * len(batch)
        rows = [
            {
                "source": entity.source,
                "source_id": entity.source_id,
                "position": entity.position,
                "file_id": file_id,
                "decision": decision.kind.value,
                "method": decision.method,
                "company_id": decision.company_id,
                "matched_at": now,
            }
            for entity, decision in zip(batch, decisions, strict=True)
        ]
        connection.execute(insert(CompanyMatch), rows)
        counts.update(decision.kind.value for decision in decisions)
    return counts
