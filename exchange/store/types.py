"""Column types of the store that must behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import BigInteger, Dialect, Integer, Numeric
from sqlalchemy.types import TypeDecorator, TypeEngine

# SQLite only auto-assigns keys to a column declared exactly INTEGER PRIMARY KEY.
Id = BigInteger().with_variant(Integer(), "sqlite")
# A count a file states (AccountCount, a joint account's holders) or that a file can reach (its records,
# a line number): 64 bits on both engines, as SQLite's INTEGER always is.
Count = BigInteger().with_variant(Integer(), "sqlite")
COUNT_MIN, COUNT_MAX = -(2**63), 2**63 - 1

AMOUNT_SCALE = 2  # CRS and FATCA amounts (MonAmnt_Type) have two fraction digits
AMOUNT_PRECISION = 18
_QUANTUM = Decimal(1).scaleb(-AMOUNT_SCALE)
_SCALE_FACTOR = 10**AMOUNT_SCALE
# Both engines hold 16 integer digits exactly: NUMERIC(18, 2) and a 64-bit count of hundredths.
AMOUNT_LIMIT = Decimal(10) ** (AMOUNT_PRECISION - AMOUNT_SCALE)


def amount_in_range(value: Decimal) -> bool:
    """Whether the amount fits the column once rounded to hundredths (9999999999999999.995 does not)."""
    return abs(value) < AMOUNT_LIMIT and abs(quantize_amount(value)) < AMOUNT_LIMIT


def count_in_range(value: int) -> bool:
    return COUNT_MIN <= value <= COUNT_MAX


def quantize_amount(value: Decimal) -> Decimal:
    """Round to the standard's two fraction digits, ties away from zero as PostgreSQL's NUMERIC does."""
    return value.quantize(_QUANTUM, rounding=ROUND_HALF_UP)


def amount_to_hundredths(value: Decimal) -> int:
    return int(quantize_amount(value).scaleb(AMOUNT_SCALE))


class Amount(TypeDecorator[Decimal]):
    """An exact monetary amount: NUMERIC(18, 2) on PostgreSQL, a count of hundredths on SQLite.

    SQLite has no decimal type (NUMERIC columns turn into floats); an integer count keeps amounts
    exact, and comparisons and sums written through SQLAlchemy stay correct because bound values and
    results pass through this type.
    """

    impl = Numeric(AMOUNT_PRECISION, AMOUNT_SCALE, asdecimal=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(BigInteger())
        return dialect.type_descriptor(Numeric(AMOUNT_PRECISION, AMOUNT_SCALE, asdecimal=True))

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Decimal | int | None:
        if value is None:
            return None
        value = Decimal(value)
        if dialect.name == "sqlite":
            return amount_to_hundredths(value)
        return quantize_amount(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        if dialect.name == "sqlite":
            return Decimal(int(value)).scaleb(-AMOUNT_SCALE)
        return quantize_amount(Decimal(value))
