"""What the flag rules read: plain values gathered from the store, the reconciliation and the registry,
so that a rule is a small function of facts and thresholds, testable without a database."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from exchange.records import PartyKind

# The kind of income a payment code reports, by its last three digits (CRS501-504, FATCA501-504),
# named as the return's foreign-income boxes are.
INCOME_KINDS = {"501": "dividends", "502": "interest", "503": "gains", "504": "other"}
PASSIVE_NFE = "CRS101"


def income_kind(payment_type: str) -> str | None:
    return INCOME_KINDS.get(payment_type[-3:])


@dataclass(frozen=True, slots=True)
class Residence:
    valid_from: date
    valid_to: date | None
    country: str


@dataclass(frozen=True, slots=True)
class TaxReturnFacts:
    total_income: Decimal
    foreign: Mapping[str, Decimal]  # by income kind


@dataclass(frozen=True, slots=True)
class Benefit:
    kind: str
    amount: Decimal


@dataclass(frozen=True, slots=True)
class TaxpayerRecord:
    """What the domestic registry holds about one taxpayer, for the years being evaluated."""

    id: int
    kind: PartyKind
    residences: tuple[Residence, ...] = ()
    returns: Mapping[int, TaxReturnFacts] = field(default_factory=dict)
    declared: Mapping[int, tuple[tuple[str, str], ...]] = field(
        default_factory=dict
    )  # (country, institution)
    benefits: Mapping[int, tuple[Benefit, ...]] = field(default_factory=dict)

    def residence_on(self, day: date) -> str | None:
        """The country of the registry's address on that day, or None when none covers it."""
        for residence in self.residences:
            if residence.valid_from <= day and (residence.valid_to is None or residence.valid_to >= day):
                return residence.country
        return None

    def declares(self, year: int) -> bool:
        """Whether the registry can say what this taxpayer declared: people always file (no return is
        itself a finding), entities only when the registry holds their returns."""
        return self.kind is PartyKind.INDIVIDUAL or year in self.returns

    def declared_institutions(self, year: int, country: str) -> tuple[str, ...]:
        return tuple(name for where, name in self.declared.get(year, ()) if where == country)


@dataclass(frozen=True, slots=True)
class MatchFacts:
    decision: str  # match, candidates, no_match, conflict
    method: str
    taxpayer_id: int | None
    probability: float | None
    best_candidate: tuple[int, float] | None = None  # (taxpayer id, probability) of the first candidate


@dataclass(frozen=True, slots=True)
class TinFacts:
    position: int
    value: str
    issued_by: str | None


@dataclass(frozen=True, slots=True)
class PartyFacts:
    party_id: int
    position: int  # 0 is the account holder
    role: str
    kind: PartyKind
    acct_holder_type: str | None = None
    tins: tuple[TinFacts, ...] = ()
    residences: tuple[str, ...] = ()
    match: MatchFacts | None = None
    taxpayer: TaxpayerRecord | None = None  # the registry's facts, for a confident match only

    @property
    def subject(self) -> str:
        return f"party{self.position}"


@dataclass(frozen=True, slots=True)
class PaymentFacts:
    type: str
    amount: Decimal
    currency: str


@dataclass(frozen=True, slots=True)
class InstitutionRef:
    key: str  # issuing country and IN of the FI, or its name when it gave none
    name: str


@dataclass(frozen=True, slots=True)
class AccountFacts:
    """The current version of one account report.

    `balance` is None when a record error of its file disputes it (`record_errors` holds the codes,
    see record_errors.py): no rule may use it, but a rule that does not need it still fires.
    """

    chain_id: int
    account_report_id: int
    doc_ref_id: str
    file_id: int
    sender: str
    period_end: date
    balance: Decimal | None
    currency: str
    parties: tuple[PartyFacts, ...]
    payments: tuple[PaymentFacts, ...] = ()
    closed: bool = False
    dormant: bool = False
    undocumented: bool = False
    institution: InstitutionRef | None = None
    record_errors: tuple[int, ...] = ()

    @property
    def year(self) -> int:
        return self.period_end.year

    @property
    def holder(self) -> PartyFacts:
        return self.parties[0]

    def error_evidence(self) -> dict[str, Any]:
        """The record errors disputing its balance, for a hit's evidence (nothing when there are none)."""
        return {"record_errors": list(self.record_errors)} if self.record_errors else {}

    @property
    def scope_key(self) -> str:
        return account_scope(self.chain_id)


@dataclass(frozen=True, slots=True)
class HeldAccount:
    """A live account report whose holder is confidently matched to the taxpayer; `balance` is None when
    a record error disputes it (the codes in `record_errors`)."""

    chain_id: int
    account_report_id: int
    sender: str
    balance: Decimal | None
    currency: str
    payments: tuple[PaymentFacts, ...] = ()
    institution: InstitutionRef | None = None
    record_errors: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class Cohort:
    """Robust statistics of log(foreign balance / total income) among the holders of one income band."""

    band: str
    size: int
    median: float
    mad: float  # median absolute deviation


@dataclass(frozen=True, slots=True)
class TaxpayerYearFacts:
    taxpayer: TaxpayerRecord
    year: int
    accounts: tuple[HeldAccount, ...]
    cohort: Cohort | None = None  # of the taxpayer's income band, when it has one

    @property
    def scope_key(self) -> str:
        return taxpayer_scope(self.taxpayer.id, self.year)

    @property
    def tax_return(self) -> TaxReturnFacts | None:
        return self.taxpayer.returns.get(self.year)

    @property
    def benefits(self) -> tuple[Benefit, ...]:
        return self.taxpayer.benefits.get(self.year, ())

    def in_currency(self, currency: str) -> tuple[HeldAccount, ...]:
        return tuple(account for account in self.accounts if account.currency == currency)

    def balances(self, currency: str) -> Balances:
        """The sum of the balances in `currency` that mean something, and the accounts left out of it."""
        held = self.in_currency(currency)
        known = tuple(account for account in held if account.balance is not None)
        total = sum((account.balance for account in known if account.balance is not None), Decimal(0))
        return Balances(total, known, tuple(account for account in held if account.balance is None))


@dataclass(frozen=True, slots=True)
class Balances:
    """A taxpayer's balances in one currency: the total of the meaningful ones, which they are, and the
    accounts whose balance a record error disputes."""

    total: Decimal
    counted: tuple[HeldAccount, ...]
    left_out: tuple[HeldAccount, ...]

    def evidence(self) -> dict[str, Any]:
        """What a hit built on the total says about the balances it left out (nothing when none were)."""
        if not self.left_out:
            return {}
        codes = sorted({code for account in self.left_out for code in account.record_errors})
        return {"balances_left_out": len(self.left_out), "record_errors": codes}


@dataclass(frozen=True, slots=True)
class InstitutionFacts:
    """How one FI's account reports of one reporting year arrived: new, corrected, deleted."""

    sender: str
    key: str
    name: str
    year: int
    new: int
    corrections: int
    deletions: int

    @property
    def scope_key(self) -> str:
        return institution_scope(self.sender, self.key, self.year)


# How each scope key starts, so that queries can tell the scopes apart or build keys themselves.
ACCOUNT_SCOPE, TAXPAYER_SCOPE, INSTITUTION_SCOPE = "account:", "taxpayer:", "institution:"


def account_scope(chain_id: int) -> str:
    return f"{ACCOUNT_SCOPE}{chain_id}"


def taxpayer_scope(taxpayer_id: int, year: int) -> str:
    return f"{TAXPAYER_SCOPE}{taxpayer_id}:{year}"


def institution_scope(sender: str, key: str, year: int) -> str:
    return f"{INSTITUTION_SCOPE}{sender}:{key}:{year}"
