"""The domestic registry's facts about taxpayers: kind, residence history, returns, declared foreign
accounts and means-tested benefits, every year at once (a taxpayer has few rows of each)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection

from sqlalchemy import Connection, select

from exchange.anomalies.facts import Benefit, Residence, TaxpayerRecord, TaxReturnFacts
from exchange.reconcile.db_source import chunked
from exchange.records import PartyKind
from exchange.registry.models import (
    DeclaredForeignAccount,
    SocialBenefit,
    Taxpayer,
    TaxpayerAddress,
    TaxReturn,
)
from exchange.store.value_lists import among

_IDS_PER_QUERY = 2000  # taxpayers bound per query


def registry_records(connection: Connection, taxpayer_ids: Collection[int]) -> dict[int, TaxpayerRecord]:
    records: dict[int, TaxpayerRecord] = {}
    for batch in chunked(sorted(taxpayer_ids), _IDS_PER_QUERY):
        kinds: dict[int, PartyKind] = {
            taxpayer_id: kind
            for taxpayer_id, kind in connection.execute(
                select(Taxpayer.id, Taxpayer.kind).where(among(connection, Taxpayer.id, batch))
            )
        }
        residences = _residences(connection, batch)
        returns = _returns(connection, batch)
        declared = _declared(connection, batch)
        benefits = _benefits(connection, batch)
        for taxpayer_id, kind in kinds.items():
            records[taxpayer_id] = TaxpayerRecord(
                taxpayer_id,
                kind,
                tuple(residences[taxpayer_id]),
                returns[taxpayer_id],
                {year: tuple(rows) for year, rows in declared[taxpayer_id].items()},
                {year: tuple(rows) for year, rows in benefits[taxpayer_id].items()},
            )
    return records


def _residences(connection: Connection, ids: list[int]) -> dict[int, list[Residence]]:
    found: dict[int, list[Residence]] = defaultdict(list)
    query = (
        select(
            TaxpayerAddress.taxpayer_id,
            TaxpayerAddress.valid_from,
            TaxpayerAddress.valid_to,
            TaxpayerAddress.country_code,
        )
        .where(among(connection, TaxpayerAddress.taxpayer_id, ids))
        .order_by(TaxpayerAddress.taxpayer_id, TaxpayerAddress.valid_from.desc())
    )
    for taxpayer_id, since, until, country in connection.execute(query):
        found[taxpayer_id].append(Residence(since, until, country))
    return found


def _returns(connection: Connection, ids: list[int]) -> dict[int, dict[int, TaxReturnFacts]]:
    found: dict[int, dict[int, TaxReturnFacts]] = defaultdict(dict)
    query = select(
        TaxReturn.taxpayer_id,
        TaxReturn.tax_year,
        TaxReturn.total_income,
        TaxReturn.foreign_dividends,
        TaxReturn.foreign_interest,
        TaxReturn.foreign_gains,
        TaxReturn.foreign_other,
    ).where(among(connection, TaxReturn.taxpayer_id, ids))
    for taxpayer_id, year, total, dividends, interest, gains, other in connection.execute(query):
        foreign = {"dividends": dividends, "interest": interest, "gains": gains, "other": other}
        found[taxpayer_id][year] = TaxReturnFacts(total, foreign)
    return found


def _declared(connection: Connection, ids: list[int]) -> dict[int, dict[int, list[tuple[str, str]]]]:
    found: dict[int, dict[int, list[tuple[str, str]]]] = defaultdict(lambda: defaultdict(list))
    query = (
        select(
            DeclaredForeignAccount.taxpayer_id,
            DeclaredForeignAccount.tax_year,
            DeclaredForeignAccount.country_code,
            DeclaredForeignAccount.institution,
        )
        .where(among(connection, DeclaredForeignAccount.taxpayer_id, ids))
        .order_by(DeclaredForeignAccount.country_code, DeclaredForeignAccount.institution)
    )
    for taxpayer_id, year, country, institution in connection.execute(query):
        found[taxpayer_id][year].append((country, institution))
    return found


def _benefits(connection: Connection, ids: list[int]) -> dict[int, dict[int, list[Benefit]]]:
    found: dict[int, dict[int, list[Benefit]]] = defaultdict(lambda: defaultdict(list))
    query = (
        select(SocialBenefit.taxpayer_id, SocialBenefit.year, SocialBenefit.kind, SocialBenefit.amount)
        .where(among(connection, SocialBenefit.taxpayer_id, ids))
        .order_by(SocialBenefit.kind)
    )
    for taxpayer_id, year, kind, amount in connection.execute(query):
        found[taxpayer_id][year].append(Benefit(kind, amount))
    return found
