"""What a record error means for the flags: the record errors that say a stored record's balance is wrong.

A record error either refuses its record or is only reported back to the sender. A refused record is
not stored (the codes of `exchange.validation.codes.REFUSING_CODES`, and 99999 for an amount beyond the
store's range), so no flag ever sees it. Every other record error leaves its record stored and live.
Of those, the ones declared here say that the record's AccountBalance is not a value the standard
allows: the balance is not meaningful. No flag rule adds it to a sum, compares it with a threshold or
gives it as a flag's amount; a rule whose judgement does not need the balance still fires, with the
codes in its evidence (`record_errors`). Each rule says what it does in its declaration
(`About.on_record_error`).

The other record errors that keep a record (an IBAN that fails its check, a residence without the
receiving country, a birth date out of range, ...) do not touch an amount: the amounts stay meaningful.
No record error of the standard disputes a payment amount.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class BalanceError:
    code: int
    why: str  # why the balance of a record with this error means nothing


BALANCE_ERRORS = (
    BalanceError(
        60002,
        "The standard has no negative balance: an account whose balance or value is negative is reported "
        "at zero (CRS Commentary on Section I, as we read it; uncertain: not confirmed against the "
        "official text here), so the number is neither the account's value nor a debt the flags can use.",
    ),
    BalanceError(
        60003,
        "A closed account reports its closure with a balance of 0; another number is a balance from some "
        "other day than the one the report is about.",
    ),
)
BALANCE_ERROR_CODES = tuple(error.code for error in BALANCE_ERRORS)
