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
    leaf_fields,
    local_name,
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
    kind = description = None
    paid: etree._Element | None = None
    for child in element:
        local = local_name(child)
        if local == "Type":
            kind = kind or text(child)
        elif local == "PaymentAmnt":
            paid = paid if paid is not None else child
        elif local == "PaymentTypeDesc":
            description = description or text(child)
    value, currency = amount(paid)
    return Payment(type=kind or "", amount=value, currency=currency, description=description)


def account_report(
    element: etree._Element, body_index: int, group_index: int, path: str | None = None
) -> AccountReport | None:
    spec: etree._Element | None = None
    number: etree._Element | None = None
    holder: etree._Element | None = None
    balance: etree._Element | None = None
    related: list[Party] = []  # CRS ControllingPersons or FATCA SubstantialOwners: a file has one kind
    payments: list[Payment] = []
    closed: str | None = None  # FATCA says it with an AccountClosed element, CRS with an attribute
    dd_procedure: str | None = None
    account_type: str | None = None
    joint: str | None = None
    for child in element:
        local = local_name(child)
        if local == "DocSpec":
            spec = spec if spec is not None else child
        elif local == "AccountNumber":
            number = number if number is not None else child
        elif local == "AccountHolder":
            holder = holder if holder is not None else child
        elif local == "ControllingPerson":
            related.append(controlling_person(child))
        elif local == "SubstantialOwner":
            related.append(substantial_owner(child))
        elif local == "AccountBalance":
            balance = balance if balance is not None else child
        elif local == "Payment":
            payments.append(payment(child))
        elif local == "AccountClosed":
            closed = closed or text(child)
        elif local == "DDProcedure":
            dd_procedure = dd_procedure or text(child)
        elif local == "AccountType":
            account_type = account_type or text(child)
        elif local == "JointAccount":
            joint = joint or leaf_fields(child, {"Number": "number"}).get("number")
    record_spec = doc_spec(spec)
    if record_spec is None:
        return None
    value, currency = amount(balance)
    flag = parse_bool(attribute(number, "ClosedAccount"))
    return AccountReport(
        doc_spec=record_spec,
        account_number=text(number) or "",
        holder=account_holder(holder),
        balance=value,
        currency=currency,
        account_number_type=attribute(number, "AcctNumberType"),
        undocumented=parse_bool(attribute(number, "UndocumentedAccount")),
        closed=flag if flag is not None else parse_bool(closed),
        dormant=parse_bool(attribute(number, "DormantAccount")),
        controlling_persons=tuple(related),
        payments=tuple(payments),
        dd_procedure=dd_procedure,
        account_type=account_type,
        joint_account=parse_int(joint),
        body_index=body_index,
        group_index=group_index,
        line=element.sourceline,
        path=path,
    )


def pool_report(
    element: etree._Element, body_index: int, group_index: int, path: str | None = None
) -> PoolReport | None:
    spec: etree._Element | None = None
    balance: etree._Element | None = None
    count: str | None = None
    report_type: str | None = None
    for child in element:
        local = local_name(child)
        if local == "DocSpec":
            spec = spec if spec is not None else child
        elif local == "PoolBalance":
            balance = balance if balance is not None else child
        elif local == "AccountCount":
            count = count or text(child)
        elif local == "AccountPoolReportType":
            report_type = report_type or text(child)
    record_spec = doc_spec(spec)
    if record_spec is None:
        return None
    value, currency = amount(balance)
    return PoolReport(
        doc_spec=record_spec,
        account_count=parse_int(count) or 0,
        pool_report_type=report_type or "",
        balance=value,
        currency=currency,
        body_index=body_index,
        group_index=group_index,
        line=element.sourceline,
        path=path,
    )


def nil_report(
    element: etree._Element, body_index: int, group_index: int, path: str | None = None
) -> NilReport | None:
    spec = next((child for child in element if local_name(child) == "DocSpec"), None)
    record_spec = doc_spec(spec)
    if record_spec is None:
        return None
    return NilReport(
        doc_spec=record_spec,
        body_index=body_index,
        group_index=group_index,
        line=element.sourceline,
        path=path,
    )
