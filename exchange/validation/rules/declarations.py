"""What a business rule is: one code, one level, one sentence of the standard, its reference, the formats
it applies to, and the check that decides it.

Four shapes of check, by what they need to see:
- `MessageRule`: the header alone (and, for 50009, what the store knows of MessageRefIds);
- `RecordRule`: one record at a time, nothing remembered;
- `FileRule`: a small tracker that watches the records go by and keeps only what its rule needs
  (a flag, the current body, a mode), with a last word at the end of the file;
- `ChainRule`: one record against its correction chain: the DocRefIds met earlier in the file and
  those the store holds (looked up once per chunk of records).

A check yields `Problem`s; the engine turns them into `Finding`s with the rule's code and level.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, overload

from exchange.records import (
    AccountReport,
    CbcReport,
    MessageHeader,
    NilReport,
    OtherPlatformOperator,
    PoolReport,
    Record,
    ReportableSeller,
    ReportingFI,
)
from exchange.validation.findings import Level

if TYPE_CHECKING:
    from exchange.validation.rules.chain import ChainView
    from exchange.validation.rules.context import RuleContext

Format = tuple[str, str]  # (FormatSpec.name, FormatSpec.version)

CRS_V2: Format = ("crs", "2.0")
CRS_V3: Format = ("crs", "3.0")
FATCA_V2: Format = ("fatca", "2.0")
DPI_V1: Format = ("dpi", "1.0")
CBC_V2: Format = ("cbc", "2.0")
CRS = frozenset({CRS_V2, CRS_V3})
CRS_V3_ONLY = frozenset({CRS_V3})
DPI = frozenset({DPI_V1})
CBC = frozenset({CBC_V2})
ACCOUNT_FORMATS = frozenset({CRS_V2, CRS_V3, FATCA_V2})  # the formats that report accounts
# Every report format: the message, correction-chain and DocSpec rules are the same for all of them.
ALL_FORMATS = ACCOUNT_FORMATS | DPI | CBC

# The source of most sentences: the OECD's user guide of the CRS status message, whose code table
# FACTS.md §3 summarises; the v3.0 rules come from the amended CRS's update of that table.
STATUS_GUIDE = "OECD CRS Status Message XML Schema User Guide, Part B (error codes)"
STATUS_GUIDE_V3 = "OECD CRS Status Message error codes for the CRS XML Schema v3.0 (amended CRS)"


@dataclass(frozen=True, slots=True)
class Problem:
    """What a check found. Without `doc_ref_ids` (None) it is about the record being checked, and the
    finding names that record's DocRefId, line and place in the file."""

    message: str
    field_paths: tuple[str, ...] = ()
    doc_ref_ids: tuple[str, ...] | None = None
    line: int | None = None
    path: str | None = None


def problem(message: str, *field_paths: str) -> Problem:
    return Problem(message, tuple(field_paths))


@dataclass(frozen=True)
class Rule:
    code: int
    level: Level
    name: str  # short, stable, kebab-case: what `exchange rules` lists beside the code
    rule: str  # the one sentence of the standard
    reference: str
    formats: frozenset[Format]
    note: str | None  # a caveat: how this product reads a code the sources leave open

    @property
    def kind(self) -> str:
        raise NotImplementedError

    @property
    def needs_history(self) -> bool:
        """Whether the rule can only be decided with the sender's earlier files (the store)."""
        return False

    def applies_to(self, header: MessageHeader) -> bool:
        return (header.format_name, header.format_version) in self.formats

    def describe(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "level": self.level,
            "name": self.name,
            "kind": self.kind,
            "rule": self.rule,
            "reference": self.reference,
            "formats": sorted(f"{name} {version}" for name, version in self.formats),
            "needs_history": self.needs_history,
            "note": self.note,
        }


MessageCheck = Callable[[MessageHeader, "RuleContext"], Iterable[Problem]]
R = TypeVar(
    "R", ReportingFI, AccountReport, PoolReport, NilReport, ReportableSeller, OtherPlatformOperator, CbcReport
)
RecordCheck = Callable[[Any, "RuleContext"], Iterable[Problem]]
ChainCheck = Callable[[Record, "RuleContext", "ChainView"], Iterable[Problem]]


class Tracker(Protocol):
    """A file rule's memory for one file."""

    def see(self, record: Record) -> Iterable[Problem]: ...

    def end(self) -> Iterable[Problem]: ...


@dataclass(frozen=True)
class MessageRule(Rule):
    check: MessageCheck
    history: bool = False

    @property
    def kind(self) -> str:
        return "message"

    @property
    def needs_history(self) -> bool:
        return self.history


@dataclass(frozen=True)
class RecordRule(Rule):
    check: RecordCheck
    on: type[Any] | None  # None: every kind of record

    @property
    def kind(self) -> str:
        return "record"

    def concerns(self, record: Record) -> bool:
        return self.on is None or isinstance(record, self.on)


@dataclass(frozen=True)
class FileRule(Rule):
    start: Callable[[RuleContext], Tracker]

    @property
    def kind(self) -> str:
        return "file"


@dataclass(frozen=True)
class ChainRule(Rule):
    check: ChainCheck
    history: bool = True

    @property
    def kind(self) -> str:
        return "chain"

    @property
    def needs_history(self) -> bool:
        return self.history


@dataclass(frozen=True)
class About:
    """The declarative half of a rule, shared by the four decorators below."""

    code: int
    name: str
    rule: str
    formats: frozenset[Format]
    level: Level = "record"
    reference: str = STATUS_GUIDE
    note: str | None = None

    def fields(self) -> dict[str, Any]:
        reference = f"{self.reference}, code {self.code}"
        return {
            "code": self.code,
            "level": self.level,
            "name": self.name,
            "rule": self.rule,
            "reference": reference,
            "formats": self.formats,
            "note": self.note,
        }


def message_rule(about: About, *, history: bool = False) -> Callable[[MessageCheck], MessageRule]:
    def declare(check: MessageCheck) -> MessageRule:
        return MessageRule(check=check, history=history, **about.fields())

    return declare


@overload
def record_rule(
    about: About, on: type[R]
) -> Callable[[Callable[[R, RuleContext], Iterable[Problem]]], RecordRule]: ...
@overload
def record_rule(
    about: About, on: None = None
) -> Callable[[Callable[[Record, RuleContext], Iterable[Problem]]], RecordRule]: ...
def record_rule(about: About, on: type[Any] | None = None) -> Callable[[RecordCheck], RecordRule]:
    def declare(check: RecordCheck) -> RecordRule:
        return RecordRule(check=check, on=on, **about.fields())

    return declare


def file_rule(about: About) -> Callable[[Callable[[RuleContext], Tracker]], FileRule]:
    def declare(start: Callable[[RuleContext], Tracker]) -> FileRule:
        return FileRule(start=start, **about.fields())

    return declare


def chain_rule(about: About, *, history: bool = True) -> Callable[[ChainCheck], ChainRule]:
    def declare(check: ChainCheck) -> ChainRule:
        return ChainRule(check=check, history=history, **about.fields())

    return declare
