"""What analysts ask of the flags: a filtered, sorted page of them, and one flag with its evidence
and the match explanation behind it."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from exchange.anomalies.models import Flag, TaxpayerRisk
from exchange.anomalies.rules import rule_name, rule_of
from exchange.reconcile.models import PartyMatch
from exchange.registry.identifiers import compact_unchecked
from exchange.registry.models import Taxpayer
from exchange.store.models import AccountReportRow, DocRecord

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
    state: str = "raised"
    sort: str = "score"
    descending: bool = True
    limit: int = 50
    offset: int = 0

    def to_dict(self) -> dict[str, Any]:
        """The query as the audit records it (JSON)."""
        values = asdict(self)
        for name in ("min_amount", "max_amount"):
            if values[name] is not None:
                values[name] = str(values[name])
        return {name: list(value) if isinstance(value, tuple) else value for name, value in values.items()}


def _selection(query: FlagQuery) -> Select[Flag, str, float]:
    statement = (
        select(Flag, Taxpayer.national_id, TaxpayerRisk.score)
        .outerjoin(Taxpayer, Taxpayer.id == Flag.taxpayer_id)
        .outerjoin(TaxpayerRisk, TaxpayerRisk.taxpayer_id == Flag.taxpayer_id)
    )
    conditions: list[ColumnElement[bool]] = []
    if query.state != "all":
        conditions.append(Flag.state == query.state)
    if query.codes:
        conditions.append(Flag.code.in_([code.upper() for code in query.codes]))
    if query.senders:
        conditions.append(Flag.sender.in_([sender.upper() for sender in query.senders]))
    if query.years:
        conditions.append(Flag.reporting_year.in_(query.years))
    if query.severities:
        conditions.append(Flag.severity.in_(query.severities))
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
    return statement.where(*conditions)


def count_flags(session: Session, query: FlagQuery) -> int:
    total: int = session.scalar(select(func.count()).select_from(_selection(query).subquery())) or 0
    return total


def list_flags(session: Session, query: FlagQuery) -> list[dict[str, Any]]:
    """One page of flags, as plain rows."""
    key = SORTS[query.sort]
    order = key.desc() if query.descending else key.asc()
    statement = (
        _selection(query)
        .order_by(order.nulls_last(), Flag.id.desc() if query.descending else Flag.id)
        .limit(query.limit)
        .offset(query.offset)
    )
    return [_row(flag, national_id, score) for flag, national_id, score in session.execute(statement)]


def _row(flag: Flag, national_id: str | None, taxpayer_score: float | None) -> dict[str, Any]:
    return {
        "id": flag.id,
        "code": flag.code,
        "name": rule_name(flag.code),
        "severity": flag.severity,
        "score": flag.score,
        "state": flag.state,
        "taxpayer_id": flag.taxpayer_id,
        "national_id": national_id,
        "taxpayer_score": taxpayer_score,
        "sender": flag.sender,
        "reporting_year": flag.reporting_year,
        "institution": flag.institution,
        "amount": flag.amount,
        "currency": flag.currency,
        "raised_at": flag.raised_at,
        "retracted_at": flag.retracted_at,
        "evidence": flag.evidence,
    }


def show_flag(session: Session, flag_id: int) -> dict[str, Any] | None:
    """One flag with its rule, its evidence, the account it is about, the match explanation of the
    reported party, and the taxpayer's other raised flags."""
    found = session.execute(_selection(FlagQuery(state="all")).where(Flag.id == flag_id)).first()
    if found is None:
        return None
    flag, national_id, score = found
    shown = _row(flag, national_id, score)
    rule = rule_of(flag.code)
    shown["rule"] = None if rule is None else {"why": rule.why, "scope": rule.scope.value}
    shown["account"] = _account(session, flag.account_report_id)
    shown["match"] = _match(session, flag.party_id)
    shown["other_flags"] = _others(session, flag)
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


def _others(session: Session, flag: Flag) -> list[dict[str, Any]]:
    if flag.taxpayer_id is None:
        return []
    query = (
        select(Flag.id, Flag.code, Flag.severity, Flag.reporting_year)
        .where(Flag.taxpayer_id == flag.taxpayer_id, Flag.state == "raised", Flag.id != flag.id)
        .order_by(Flag.id)
    )
    return [
        {"id": other_id, "code": code, "severity": severity, "reporting_year": year}
        for other_id, code, severity, year in session.execute(query)
    ]
