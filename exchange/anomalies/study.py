"""Aggregate study tables for joint studies between authorities: counts and amounts of raised flags by
rule, sender and reporting year, without anything that names or numbers a person.

Small cells can still point at someone ("the one resident flagged for X by LU in 2025, with 2.3 million"),
so a cell about fewer subjects than `flag_study_min_taxpayers` keeps its key but hides its figures.
A subject is a distinct taxpayer, or a flag that names no taxpayer (an unmatched person, an institution).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import case, distinct, func, select
from sqlalchemy.orm import Session

from exchange.anomalies.models import Flag
from exchange.anomalies.rules import rule_name


def study_table(session: Session, min_subjects: int) -> list[dict[str, Any]]:
    without_taxpayer = func.sum(case((Flag.taxpayer_id.is_(None), 1), else_=0))
    query = (
        select(
            Flag.code,
            Flag.sender,
            Flag.reporting_year,
            Flag.currency,
            func.count(),
            func.count(distinct(Flag.taxpayer_id)) + without_taxpayer,
            func.sum(Flag.amount),
        )
        .where(Flag.state == "raised")
        .group_by(Flag.code, Flag.sender, Flag.reporting_year, Flag.currency)
        .order_by(Flag.code, Flag.sender, Flag.reporting_year, Flag.currency)
    )
    table = []
    for code, sender, year, currency, flags, subjects, amount in session.execute(query):
        hidden = subjects < min_subjects
        table.append(
            {
                "code": code,
                "name": rule_name(code),
                "sender": sender,
                "reporting_year": year,
                "currency": currency,
                "flags": None if hidden else flags,
                "subjects": None if hidden else subjects,
                "amount_total": None if hidden else amount,
                "suppressed": hidden,
            }
        )
    return table
