"""AccountReport, PoolReport and NilReport elements → records.

A record whose DocSpec is unreadable is None; any other missing part gives a partial record (an empty
account number, a zero amount): the schema finding has already rejected such a file, so the partial
values are only ever read by the business rules, never stored.
"""

from __future__ import annotations

from decimal import Decimal

from lxml import etree

from exchange.extract.docspec import doc_spec
from exchange.extract.parties import account_holder, controlling_person, substantial_owner
from exchange.extract.xmltext import (
    attribute,
    child,
    child_text,
    children,
    parse_bool,
    parse_decimal,
    parse_int,
    text,
)
from exchange.records import AccountReport, NilReport, Party, Payment, PoolReport

_ZERO = Decimal(0)


def amount(element: etree._Element | None) -> tuple[Decimal, str]:
    """A MonAmnt: the decimal value and its currCode."""
    value = parse_decimal(text(element))
    return _ZERO if value is None else value, attribute(element, "currCode") or ""


def payment(element: etree._Element) -> Payment:
    value, currency = amount(child(element, "PaymentAmnt"))
    return Payment(
        type=child_text(element, "Type") or "",
        amount=value,
        currency=currency,
        description=child_text(element, "PaymentTypeDesc"),
    )


def _related_parties(element: etree._Element) -> tuple[Party, ...]:
    """CRS ControllingPersons or FATCA SubstantialOwners (a file has one kind or the other)."""
    crs = tuple(controlling_person(item) for item in children(element, "ControllingPerson"))
    return crs or tuple(substantial_owner(item) for item in children(element, "SubstantialOwner"))


def _closed(element: etree._Element, number: etree._Element | None) -> bool | None:
    """CRS says it with the ClosedAccount attribute, FATCA with an AccountClosed element."""
    flag = parse_bool(attribute(number, "ClosedAccount"))
    return flag if flag is not None else parse_bool(child_text(element, "AccountClosed"))


def account_report(element: etree._Element, body_index: int, group_index: int) -> AccountReport | None:
    spec = doc_spec(element)
    if spec is None:
        return None
    number = child(element, "AccountNumber")
    balance, currency = amount(child(element, "AccountBalance"))
    joint = child(element, "JointAccount")
    return AccountReport(
        doc_spec=spec,
        account_number=text(number) or "",
        holder=account_holder(child(element, "AccountHolder")),
        balance=balance,
        currency=currency,
        account_number_type=attribute(number, "AcctNumberType"),
        undocumented=parse_bool(attribute(number, "UndocumentedAccount")),
        closed=_closed(element, number),
        dormant=parse_bool(attribute(number, "DormantAccount")),
        controlling_persons=_related_parties(element),
        payments=tuple(payment(item) for item in children(element, "Payment")),
        dd_procedure=child_text(element, "DDProcedure"),
        account_type=child_text(element, "AccountType"),
        joint_account=None if joint is None else parse_int(child_text(joint, "Number")),
        body_index=body_index,
        group_index=group_index,
        line=element.sourceline,
    )


def pool_report(element: etree._Element, body_index: int, group_index: int) -> PoolReport | None:
    spec = doc_spec(element)
    if spec is None:
        return None
    balance, currency = amount(child(element, "PoolBalance"))
    return PoolReport(
        doc_spec=spec,
        account_count=parse_int(child_text(element, "AccountCount")) or 0,
        pool_report_type=child_text(element, "AccountPoolReportType") or "",
        balance=balance,
        currency=currency,
        body_index=body_index,
        group_index=group_index,
        line=element.sourceline,
    )


def nil_report(element: etree._Element, body_index: int, group_index: int) -> NilReport | None:
    spec = doc_spec(element)
    if spec is None:
        return None
    return NilReport(doc_spec=spec, body_index=body_index, group_index=group_index, line=element.sourceline)
