"""What the store cannot hold, one declaration per limit: the field, the values refused, and why the
limit stands where it does.

The schemas allow numbers no column can hold: `xs:integer` (CRS AccountCount) and `xs:positiveInteger`
(FATCA AccountCount) have no upper bound, and `MonAmnt_Type` limits only the fraction digits of an amount.
A record carrying such a value is refused with a record finding, code 99999 (the status message's custom
code), naming its DocRefId and the field: the rest of the file is stored, and the sender learns which
record to send again. Nothing else needs a limit here:
- strings: every string of the schemas is at most 4,000 characters (DocRefIds, TINs and MessageRefIds at
  most 200), which both engines store and index in full, whatever the characters;
- dates: a date Python cannot read (a year beyond 9999, or before year 1) never reaches the store (the
  header becomes unreadable, 50007; a birth date is left out); PostgreSQL's dates reach year 5874897 and
  SQLite keeps them as text, so every date Python reads is stored;
- counts the store makes (records, finding lines) are 64-bit columns: no file reaches 2^63 of anything.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal

from exchange.records import AccountReport, ActivityFigures, CbcReport, PoolReport, Record, ReportableSeller
from exchange.store.types import (
    AMOUNT_LIMIT,
    COUNT_MAX,
    amount_in_range,
    count_in_range,
)
from exchange.validation.findings import Finding

BEYOND_THE_STORE = 99999  # the status message's custom code: the receiver could not store the value

_AMOUNT_WHY = (
    f"amounts are exact decimals of 16 integer digits (NUMERIC(18, 2) on PostgreSQL, a 64-bit count of "
    f"cents on SQLite): {AMOUNT_LIMIT:,} or more, once rounded to cents, cannot be stored exactly"
)
_COUNT_WHY = (
    f"counts are 64-bit integers on both engines (up to {COUNT_MAX:,}); no pool or account holds more, "
    "so a larger count is an error of the sender, not a figure to round"
)


@dataclass(frozen=True, slots=True)
class StoreLimit:
    """One field whose values the store refuses beyond a bound: `values` reads them from a record."""

    field_path: str  # as the status message's FieldPath names it
    record_type: type[AccountReport] | type[PoolReport] | type[ReportableSeller] | type[CbcReport]
    values: Callable[[Record], Iterable[Decimal | int | None]]
    fits: Callable[[Decimal | int], bool]
    why: str


def _fits_amount(value: Decimal | int) -> bool:
    return amount_in_range(Decimal(value))


def _fits_count(value: Decimal | int) -> bool:
    return count_in_range(int(value))


def _balance(record: Record) -> Iterable[Decimal]:
    assert isinstance(record, AccountReport | PoolReport)
    return (record.balance,)


def _payments(record: Record) -> Iterable[Decimal]:
    assert isinstance(record, AccountReport)
    return (payment.amount for payment in record.payments)


def _joint_holders(record: Record) -> Iterable[int | None]:
    assert isinstance(record, AccountReport)
    return (record.joint_account,)


def _account_count(record: Record) -> Iterable[int]:
    assert isinstance(record, PoolReport)
    return (record.account_count,)


def _seller_figures(record: Record) -> Iterable[ActivityFigures]:
    assert isinstance(record, ReportableSeller)
    yield from (listing.figures for listing in record.listings)
    yield from record.activities


def _seller_amounts(record: Record) -> Iterable[Decimal]:
    for figures in _seller_figures(record):
        for kind in (figures.consideration, figures.fees, figures.taxes):
            yield from kind.amounts


def _seller_counts(record: Record) -> Iterable[int]:
    for figures in _seller_figures(record):
        yield from figures.counts


def _cbc_amounts(record: Record) -> Iterable[Decimal]:
    assert isinstance(record, CbcReport)
    summary = record.summary
    return (
        summary.revenues_unrelated, summary.revenues_related, summary.revenues_total, summary.profit_or_loss,
        summary.tax_paid, summary.tax_accrued, summary.capital, summary.earnings, summary.assets,
    )  # fmt: skip


def _cbc_employees(record: Record) -> Iterable[int]:
    assert isinstance(record, CbcReport)
    return (record.summary.employees,)


_DPI_AMOUNTS = "ReportableSeller/RelevantActivities/Consideration|Fees|Taxes"
_DPI_COUNTS = "ReportableSeller/RelevantActivities/NumberOfActivities"

LIMITS: tuple[StoreLimit, ...] = (
    StoreLimit("AccountReport/AccountBalance", AccountReport, _balance, _fits_amount, _AMOUNT_WHY),
    StoreLimit("AccountReport/Payment/PaymentAmnt", AccountReport, _payments, _fits_amount, _AMOUNT_WHY),
    StoreLimit("AccountReport/JointAccount/Number", AccountReport, _joint_holders, _fits_count, _COUNT_WHY),
    StoreLimit("PoolReport/PoolBalance", PoolReport, _balance, _fits_amount, _AMOUNT_WHY),
    StoreLimit("PoolReport/AccountCount", PoolReport, _account_count, _fits_count, _COUNT_WHY),
    # DPI amounts are whole (xs:integer, unbounded) and its activity counts unbounded integers.
    StoreLimit(_DPI_AMOUNTS, ReportableSeller, _seller_amounts, _fits_amount, _AMOUNT_WHY),
    StoreLimit(_DPI_COUNTS, ReportableSeller, _seller_counts, _fits_count, _COUNT_WHY),
    # CbC amounts are whole and unbounded too, and so is the number of employees.
    StoreLimit("CbcReports/Summary", CbcReport, _cbc_amounts, _fits_amount, _AMOUNT_WHY),
    StoreLimit("CbcReports/Summary/NbEmployees", CbcReport, _cbc_employees, _fits_count, _COUNT_WHY),
)


def refusal(record: Record) -> Finding | None:
    """The finding refusing a record that holds a value beyond the store's limits, or None."""
    beyond = [
        limit.field_path
        for limit in LIMITS
        if isinstance(record, limit.record_type)
        and any(value is not None and not limit.fits(value) for value in limit.values(record))
    ]
    if not beyond:
        return None
    return Finding(
        code=BEYOND_THE_STORE,
        level="record",
        message=f"{', '.join(path.rsplit('/', 1)[-1] for path in beyond)} beyond what the store can hold "
        "(amounts below 10^16, counts within 64 bits)",
        doc_ref_ids=(record.doc_spec.doc_ref_id,),
        field_paths=tuple(beyond),
    )
