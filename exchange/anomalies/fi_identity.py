"""Which financial institution a ReportingFI row is: one key across the files it reported in.

Every file stores its own ReportingFI row, so an institution is known by what it is called in all of
them: its first IN (with the country that issued it), or its name when it gave none.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import Connection, select

from exchange.anomalies.facts import InstitutionRef
from exchange.reconcile.db_source import chunked
from exchange.registry.identifiers import compact_unchecked
from exchange.store.models import DocRecord, PartyNameRow, PartyRow, PartyTinRow, ReportingFIRow
from exchange.store.value_lists import among


def institution_refs(connection: Connection, reporting_fi_ids: Collection[int]) -> dict[int, InstitutionRef]:
    refs: dict[int, InstitutionRef] = {}
    for batch in chunked(sorted(reporting_fi_ids)):
        parties = connection.execute(
            select(PartyRow.reporting_fi_id, PartyRow.id, DocRecord.sender)
            .join(ReportingFIRow, ReportingFIRow.id == PartyRow.reporting_fi_id)
            .join(DocRecord, DocRecord.id == ReportingFIRow.doc_record_id)
            .where(among(connection, PartyRow.reporting_fi_id, batch))
        ).all()
        party_ids = [party_id for _, party_id, _ in parties]
        ins = _first_ins(connection, party_ids)
        names = _first_names(connection, party_ids)
        for fi_id, party_id, sender in parties:
            if fi_id is None:  # not possible under the filter above; keeps the key type exact
                continue
            name = names.get(party_id, "")
            number = ins.get(party_id)
            if number is not None:
                value, issued_by = number
                key = f"{issued_by or sender}:{compact_unchecked(value)}"
            else:
                key = "name:" + " ".join(name.casefold().split())
            refs[fi_id] = InstitutionRef(key, name)
    return refs


def _first_ins(connection: Connection, party_ids: list[int]) -> dict[int, tuple[str, str | None]]:
    found: dict[int, tuple[str, str | None]] = {}
    query = (
        select(PartyTinRow.party_id, PartyTinRow.value, PartyTinRow.issued_by)
        .where(among(connection, PartyTinRow.party_id, party_ids))
        .order_by(PartyTinRow.party_id, PartyTinRow.position)
    )
    for party_id, value, issued_by in connection.execute(query):
        found.setdefault(party_id, (value, issued_by))
    return found


def _first_names(connection: Connection, party_ids: list[int]) -> dict[int, str]:
    found: dict[int, str] = {}
    query = (
        select(PartyNameRow.party_id, PartyNameRow.full_name, PartyNameRow.first_name, PartyNameRow.last_name)
        .where(among(connection, PartyNameRow.party_id, party_ids))
        .order_by(PartyNameRow.party_id, PartyNameRow.position)
    )
    for party_id, full, first, last in connection.execute(query):
        found.setdefault(party_id, full or " ".join(part for part in (first, last) if part))
    return found
