"""What analysts ask of the flags: the flags a query selects, streamed in its order, and one flag with
its evidence and the match explanation behind it.

A list is read from the database in chunks (`STREAM_CHUNK` rows; a server-side cursor on PostgreSQL)
and handed on row by row, so an export of every flag holds one chunk in memory, not the result.
A flag about no known taxpayer (ID01 above all: a person the registry does not know) carries the
reported person's name and TIN, so that the analyst can search for them; the others name their
taxpayer by national id.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Integer,
    Select,
    String,
    and_,
    case,
    cast,
    exists,
    extract,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.orm import InstrumentedAttribute, Session

from exchange.anomalies.facet_counts import shown
from exchange.anomalies.facts import ACCOUNT_SCOPE, TAXPAYER_SCOPE, institution_scope
from exchange.anomalies.models import Flag, FlagFacetCount, TaxpayerRisk
from exchange.anomalies.rules import rule_name, rule_of
from exchange.anomalies.scopes import institutions_of_file
from exchange.reconcile.models import PartyMatch
from exchange.registry.identifiers import compact_unchecked
from exchange.registry.models import Taxpayer
from exchange.store.models import (
    AccountReportRow,
    DocRecord,
    MessageHeaderRow,
    PartyNameRow,
    PartyTinRow,
)

STATES = ("raised", "retracted", "all")
SORTS: dict[str, ColumnElement[Any] | InstrumentedAttribute[Any]] = {
    "score": func.coalesce(TaxpayerRisk.score, 0.0),  # the taxpayer's combined risk
    "amount": Flag.amount,
    "raised": Flag.raised_at,
    "severity": Flag.score,
    "code": Flag.code,
    "sender": Flag.sender,
    "year": Flag.reporting_year,
    "id": Flag.id,
}
# Rows read from the database at a time while a list is streamed.
STREAM_CHUNK = 1000


@dataclass(frozen=True)
class FlagQuery:
    codes: tuple[str, ...] = ()
    senders: tuple[str, ...] = ()
    years: tuple[int, ...] = ()
    severities: tuple[str, ...] = ()
    min_amount: Decimal | None = None
    max_amount: Decimal | None = None
    national_id: str | None = None
    taxpayer_id: int | None = None
    min_score: float | None = None
    file_ids: tuple[int, ...] = ()
    institutions: tuple[str, ...] = ()
    raised_since: datetime | None = None
    raised_until: datetime | None = None
    state: str = "raised"
    sort: str = "score"
    descending: bool = True
    limit: int | None = None  # None: every flag that matches
    offset: int = 0

    def to_dict(self) -> dict[str, Any]:
        """The query as the audit records it (JSON)."""
        values = asdict(self)
        for name, value in values.items():
            if isinstance(value, Decimal):
                values[name] = str(value)
            elif isinstance(value, datetime):
                values[name] = value.isoformat()
            elif isinstance(value, tuple):
                values[name] = list(value)
        return values


def _first_name() -> ColumnElement[str | None]:
    """The reported party's first name as one text, for a flag that names no taxpayer."""
    given = func.coalesce(PartyNameRow.first_name, "")
    family = func.coalesce(PartyNameRow.last_name, "")
    name = func.coalesce(PartyNameRow.full_name, func.trim(given + literal(" ") + family))
    first = (
        select(name)
        .where(PartyNameRow.party_id == Flag.party_id)
        .order_by(PartyNameRow.position)
        .limit(1)
        .scalar_subquery()
    )
    return case((Flag.taxpayer_id.is_(None), first), else_=None)


def _first_tin() -> ColumnElement[str | None]:
    first = (
        select(PartyTinRow.value)
        .where(PartyTinRow.party_id == Flag.party_id)
        .order_by(PartyTinRow.position)
        .limit(1)
        .scalar_subquery()
    )
    return case((Flag.taxpayer_id.is_(None), first), else_=None)


_COLUMNS = (
    Flag.id,
    Flag.code,
    Flag.severity,
    Flag.score,
    Flag.state,
    Flag.taxpayer_id,
    Taxpayer.national_id,
    TaxpayerRisk.score.label("taxpayer_score"),
    Flag.party_id,
    _first_name().label("reported_name"),
    _first_tin().label("reported_tin"),
    Flag.sender,
    Flag.reporting_year,
    Flag.institution,
    Flag.amount,
    Flag.currency,
    Flag.raised_at,
    Flag.retracted_at,
    Flag.account_report_id,
    Flag.evidence,
)


def _listing() -> Select[Any]:
    return (
        select(*_COLUMNS)
        .select_from(Flag)
        .outerjoin(Taxpayer, Taxpayer.id == Flag.taxpayer_id)
        .outerjoin(TaxpayerRisk, TaxpayerRisk.taxpayer_id == Flag.taxpayer_id)
    )


def _selection(connection: Connection, query: FlagQuery) -> Select[Any]:
    return _listing().where(*_conditions(connection, query))


def _counting(
    connection: Connection, query: FlagQuery, *columns: ColumnElement[Any] | InstrumentedAttribute[Any]
) -> Select[Any]:
    """`columns` of the flags the query selects, joined only to what its filters read: counts and facets
    need neither the listing's columns (two correlated subqueries per flag) nor its joins, which match at
    most one row per flag and so change no count."""
    statement = select(*columns).select_from(Flag)
    if query.national_id is not None:
        statement = statement.join(Taxpayer, Taxpayer.id == Flag.taxpayer_id)
    if query.min_score is not None:
        statement = statement.join(TaxpayerRisk, TaxpayerRisk.taxpayer_id == Flag.taxpayer_id)
    return statement.where(*_conditions(connection, query))


def _conditions(connection: Connection, query: FlagQuery) -> list[ColumnElement[bool]]:
    conditions = _facet_conditions(query, Flag)
    if query.min_amount is not None:
        conditions.append(Flag.amount >= query.min_amount)
    if query.max_amount is not None:
        conditions.append(Flag.amount <= query.max_amount)
    if query.national_id is not None:
        conditions.append(Taxpayer.national_id == compact_unchecked(query.national_id))
    if query.taxpayer_id is not None:
        conditions.append(Flag.taxpayer_id == query.taxpayer_id)
    if query.min_score is not None:
        conditions.append(TaxpayerRisk.score >= query.min_score)
    if query.file_ids:
        conditions.append(_of_files(connection, query.file_ids))
    if query.raised_since is not None:
        conditions.append(Flag.raised_at >= query.raised_since)
    if query.raised_until is not None:
        conditions.append(Flag.raised_at < query.raised_until)
    return conditions


def _facet_conditions(
    query: FlagQuery, source: type[Flag] | type[FlagFacetCount]
) -> list[ColumnElement[bool]]:
    """The query's state and facet filters on the flags or on their counts (the same column names)."""
    conditions: list[ColumnElement[bool]] = []
    if query.state != "all":
        conditions.append(source.state == query.state)
    if query.codes:
        conditions.append(source.code.in_([code.upper() for code in query.codes]))
    if query.senders:
        conditions.append(source.sender.in_([sender.upper() for sender in query.senders]))
    if query.years:
        conditions.append(source.reporting_year.in_(query.years))
    if query.severities:
        conditions.append(source.severity.in_(query.severities))
    if query.institutions:
        conditions.append(or_(*(_of_institution(text, source.institution) for text in query.institutions)))
    return conditions


def _beyond_facets(query: FlagQuery) -> bool:
    """Whether the query filters on more than the state and the facets (which the counts are kept by)."""
    return any(
        value is not None and value != ()
        for value in (query.min_amount, query.max_amount, query.national_id, query.taxpayer_id,
                      query.min_score, query.file_ids, query.raised_since, query.raised_until)
    )  # fmt: skip


def _of_files(connection: Connection, file_ids: tuple[int, ...]) -> ColumnElement[bool]:
    """The flags of the scopes the files touch, as their evaluation sees them: the account chains of
    their reports, the years of the taxpayers matched in them, and their institutions."""
    chains = (
        select(literal(ACCOUNT_SCOPE) + cast(DocRecord.chain_id, String))
        .join(AccountReportRow, AccountReportRow.doc_record_id == DocRecord.id)
        .where(AccountReportRow.file_id.in_(file_ids))
    )
    year = cast(extract("year", MessageHeaderRow.reporting_period), Integer)
    matched = exists().where(
        PartyMatch.file_id.in_(file_ids),
        PartyMatch.taxpayer_id == Flag.taxpayer_id,
        MessageHeaderRow.file_id == PartyMatch.file_id,
        year == Flag.reporting_year,
    )
    institutions = [
        institution_scope(*institution)
        for file_id in file_ids
        for institution in institutions_of_file(connection, file_id)
    ]
    return or_(
        Flag.scope_key.in_(chains),
        and_(Flag.scope_key.startswith(TAXPAYER_SCOPE), matched),
        Flag.scope_key.in_(institutions),
    )


def _of_institution(text: str, institution: InstrumentedAttribute[Any]) -> ColumnElement[bool]:
    """An institution as an analyst names it: its key (`LU:LU12345678`, `name:...` for one that gave no
    IN, see fi_identity.py) or its IN alone."""
    country, _, number = text.strip().partition(":")
    if not number:
        return institution.endswith(":" + compact_unchecked(country), autoescape=True)
    if country.casefold() == "name":
        return institution == "name:" + " ".join(number.casefold().split())
    return institution == f"{country.strip().upper()}:{compact_unchecked(number)}"


def count_flags(connection: Connection, query: FlagQuery) -> int:
    if _beyond_facets(query):
        counted = select(func.count()).select_from(_counting(connection, query, Flag.id).subquery())
    else:
        kept = _facet_conditions(query, FlagFacetCount)
        counted = select(func.sum(FlagFacetCount.flags)).where(*kept)
    return int(connection.scalar(counted) or 0)


def iter_flags(connection: Connection, query: FlagQuery) -> Iterator[dict[str, Any]]:
    """The flags the query selects, in its order, from `offset` on and at most `limit` of them (all
    without a limit), as plain rows; read `STREAM_CHUNK` rows at a time."""
    if query.limit is None:
        statement = _ordered(query, _selection(connection, query)).offset(query.offset)
    else:
        page = _page_ids(connection, query)
        statement = _ordered(query, _listing().where(Flag.id.in_(page)))
    result = connection.execution_options(yield_per=STREAM_CHUNK).execute(statement)
    for row in result:
        yield _row(row._mapping)


def _ordered(query: FlagQuery, statement: Select[Any]) -> Select[Any]:
    key = SORTS[query.sort]
    order = key.desc() if query.descending else key.asc()
    return statement.order_by(order.nulls_last(), Flag.id.desc() if query.descending else Flag.id)


def _page_ids(connection: Connection, query: FlagQuery) -> list[int]:
    """The ids of one page of flags, found before any of their columns are read: ordering every
    selected flag with its whole row (evidence, the reported name and TIN) costs seconds at 1M flags,
    ordering their ids and sort keys alone reads the facet index (migration 0014) and the risk scores.
    The default order, highest risk first, walks the scores from the top instead (`_walked_page`)."""
    if query.sort == "score" and query.descending and not _beyond_facets(query):
        walked = _walked_page(connection, query)
        if walked is not None:
            return walked
    statement = _counting(connection, query, Flag.id)
    if query.sort == "score" and query.min_score is None:
        statement = statement.outerjoin(TaxpayerRisk, TaxpayerRisk.taxpayer_id == Flag.taxpayer_id)
    return list(connection.scalars(_ordered(query, statement).offset(query.offset).limit(query.limit)))


# How many more taxpayers a walk of the risk scores reads each time its page was not full.
_WALK_GROWTH = 4


def _walked_page(connection: Connection, query: FlagQuery) -> list[int] | None:
    """A page in the default order, read from the taxpayers with the highest scores only (index
    `ix_taxpayer_risk_score`, migration 0018); None when the walk would reach scores of 0, which the
    flags of taxpayers without a score share (then the whole order is read).

    Every flag whose taxpayer scores at least the threshold comes before every other flag in this
    order, so when the flags above the threshold fill the page, they are the page. The walk starts
    with as many taxpayers as the page would need if the selected flags were spread evenly over the
    taxpayers (their counts come from the facet counts), twice over, and reads more until it is full:
    at 1M flags, the top few thousand scores instead of a hash of all of them (PostgreSQL) or a look-up
    for every selected flag (SQLite)."""
    assert query.limit is not None
    wanted = query.offset + query.limit
    selected = count_flags(connection, query)
    if selected == 0:
        return []
    taxpayers = 2 * wanted * max(count_flags(connection, FlagQuery(state=query.state)), 1) // selected
    while True:
        threshold = connection.scalar(
            select(TaxpayerRisk.score).order_by(TaxpayerRisk.score.desc()).offset(taxpayers - 1).limit(1)
        )
        if threshold is None or threshold <= 0:
            return None
        statement = (
            _counting(connection, query, Flag.id)
            .join(TaxpayerRisk, TaxpayerRisk.taxpayer_id == Flag.taxpayer_id)
            .where(TaxpayerRisk.score >= threshold)
        )
        page = list(connection.scalars(_ordered(query, statement).offset(query.offset).limit(query.limit)))
        if len(page) == query.limit:
            return page
        taxpayers *= _WALK_GROWTH


def _row(found: Any) -> dict[str, Any]:
    return {
        "id": found["id"],
        "code": found["code"],
        "name": rule_name(found["code"]),
        "severity": found["severity"],
        "score": found["score"],
        "state": found["state"],
        "taxpayer_id": found["taxpayer_id"],
        "national_id": found["national_id"],
        "taxpayer_score": found["taxpayer_score"],
        "party_id": found["party_id"],
        "reported_name": found["reported_name"],
        "reported_tin": found["reported_tin"],
        "sender": found["sender"],
        "reporting_year": found["reporting_year"],
        "institution": found["institution"],
        "amount": found["amount"],
        "currency": found["currency"],
        "raised_at": found["raised_at"],
        "retracted_at": found["retracted_at"],
        "evidence": found["evidence"],
    }


def show_flag(session: Session, flag_id: int) -> dict[str, Any] | None:
    """One flag with its rule, its evidence, the account it is about, the match explanation of the
    reported party, and the taxpayer's other raised flags."""
    connection = session.connection()
    statement = _selection(connection, FlagQuery(state="all")).where(Flag.id == flag_id)
    found = connection.execute(statement).first()
    if found is None:
        return None
    shown = _row(found._mapping)
    rule = rule_of(shown["code"])
    shown["rule"] = None if rule is None else {"why": rule.why, "scope": rule.scope.value}
    shown["account"] = _account(session, found.account_report_id)
    shown["match"] = _match(session, shown["party_id"])
    shown["other_flags"] = _others(session, flag_id, shown["taxpayer_id"])
    return shown


def _account(session: Session, account_report_id: int | None) -> dict[str, Any] | None:
    if account_report_id is None:
        return None
    row = session.execute(
        select(DocRecord.doc_ref_id, DocRecord.doc_type_indic, DocRecord.state, AccountReportRow.file_id)
        .join(AccountReportRow, AccountReportRow.doc_record_id == DocRecord.id)
        .where(AccountReportRow.id == account_report_id)
    ).one()
    return {
        "account_report_id": account_report_id,
        "doc_ref_id": row.doc_ref_id,
        "doc_type_indic": row.doc_type_indic,
        "state": row.state.value,
        "file_id": row.file_id,
    }


def _match(session: Session, party_id: int | None) -> dict[str, Any] | None:
    match = session.get(PartyMatch, party_id) if party_id is not None else None
    if match is None:
        return None
    return {
        "decision": match.decision,
        "method": match.method,
        "taxpayer_id": match.taxpayer_id,
        "probability": match.probability,
        "match_weight": match.match_weight,
        "model_version": match.model_version,
        "explanation": match.explanation,
        "candidates": match.candidates,
    }


def _others(session: Session, flag_id: int, taxpayer_id: int | None) -> list[dict[str, Any]]:
    if taxpayer_id is None:
        return []
    query = (
        select(Flag.id, Flag.code, Flag.severity, Flag.reporting_year)
        .where(Flag.taxpayer_id == taxpayer_id, Flag.state == "raised", Flag.id != flag_id)
        .order_by(Flag.id)
    )
    return [
        {"id": other_id, "code": code, "severity": severity, "reporting_year": year}
        for other_id, code, severity, year in session.execute(query)
    ]


# What a list of flags can be narrowed by, with the count of each value (the console's facets).
FACETS = ("code", "severity", "sender", "reporting_year", "institution")


@dataclass(frozen=True)
class FacetCounts:
    total: int  # every flag the query selects
    facets: dict[str, list[tuple[Any, int]]]  # each facet's values with their counts, most first


def flag_facet_counts(connection: Connection, query: FlagQuery, limit: int = 30) -> FacetCounts:
    """How many flags the query selects, and how many of them have each value of each facet (at most
    `limit` values per facet, most first).

    One query grouped by every facet column at once, summed here: the combinations of facet values
    that occur stay far fewer than the flags (an institution belongs to one sender). A query of state
    and facet filters only reads the counts the flag writer keeps per combination (facet_counts.py);
    any other filter reads the selected range of the facet index (migration 0014) once for the five
    facets and the count."""
    counters: dict[str, Counter[Any]] = {facet: Counter() for facet in FACETS}
    total = 0
    for *values, count in connection.execute(_facet_groups(connection, query)):
        total += count
        for facet, value in zip(FACETS, values, strict=True):
            counters[facet][shown(facet, value)] += count
    facets = {
        facet: sorted(counter.items(), key=lambda item: (-item[1], item[0] is None, item[0]))[:limit]
        for facet, counter in counters.items()
    }
    return FacetCounts(total, facets)


def _facet_groups(connection: Connection, query: FlagQuery) -> Select[Any]:
    """The selected flags counted by every facet column: from the facet counts the flag writer keeps
    when the query filters by state and facets only, from the facet index otherwise."""
    if _beyond_facets(query):
        columns = [getattr(Flag, facet) for facet in FACETS]
        return _counting(connection, query, *columns, func.count()).group_by(*columns)
    counted = [getattr(FlagFacetCount, facet) for facet in FACETS]
    kept = _facet_conditions(query, FlagFacetCount)
    total = cast(func.sum(FlagFacetCount.flags), Integer)
    return select(*counted, total).where(*kept, FlagFacetCount.flags != 0).group_by(*counted)
