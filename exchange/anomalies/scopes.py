"""What an evaluation looks at: the account chains, taxpayer years and institution years a file
touches (or, for a full evaluation, all of them), each named by the scope key its flags carry.

A 100k-report file touches 100k chains and about as many taxpayer years. The work list therefore lives
in temporary tables of the evaluation's transaction, filled by INSERT ... SELECT, and is read back in
batches of bounded size: how much an evaluation holds in memory does not depend on the file's size.
Institution years stay in memory; a store has a few per sender and year, not one per report.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date

from sqlalchemy import (
    Column,
    ColumnElement,
    CompoundSelect,
    Connection,
    Integer,
    MetaData,
    Select,
    SQLColumnExpression,
    String,
    Table,
    cast,
    extract,
    insert,
    literal,
    select,
    tuple_,
    union,
    update,
)

from exchange.anomalies.facts import (
    ACCOUNT_SCOPE,
    INSTITUTION_SCOPE,
    TAXPAYER_SCOPE,
    account_scope,
    institution_scope,
    taxpayer_scope,
)
from exchange.anomalies.fi_identity import institution_refs
from exchange.anomalies.institution_facts import Institution, reporting_fis
from exchange.anomalies.models import Flag
from exchange.reconcile.db_source import chunked
from exchange.reconcile.models import PartyMatch
from exchange.records import FIRole
from exchange.states import RecordKind
from exchange.store.models import (
    AccountReportRow,
    DocRecord,
    MessageHeaderRow,
    PartyRow,
    ReceivedFile,
    ReportingFIRow,
)
from exchange.store.types import Id
from exchange.store.value_lists import among

_work = MetaData()
_CHAINS = Table(
    "evaluation_chain",
    _work,
    Column("chain_id", Id, primary_key=True, autoincrement=False),
    prefixes=["TEMPORARY"],
)
# Taxpayer years are evaluated in ascending order of taxpayer, the order their locks are taken in
# (transaction.py).
_TAXPAYER_YEARS = Table(
    "evaluation_taxpayer_year",
    _work,
    Column("taxpayer_id", Id, primary_key=True, autoincrement=False),
    Column("year", Integer, primary_key=True, autoincrement=False),
    # Set when a flag of the taxpayer changed in an account chain: its risk score is refreshed with
    # its taxpayer years, under their lock.
    Column("stale_risk", Integer, nullable=False, default=0),
    prefixes=["TEMPORARY"],
)


@dataclass(frozen=True)
class ScopeBatch:
    """Scopes evaluated together: their facts, desired and stored flags are in memory at once."""

    chains: tuple[int, ...] = ()
    taxpayer_years: tuple[tuple[int, int], ...] = ()
    institutions: tuple[Institution, ...] = ()
    # Taxpayers of these taxpayer years whose account flags changed earlier in the evaluation.
    stale_risk: frozenset[int] = frozenset()

    def keys(self) -> list[str]:
        return [
            *(account_scope(chain) for chain in self.chains),
            *(taxpayer_scope(taxpayer, year) for taxpayer, year in self.taxpayer_years),
            *(institution_scope(*institution) for institution in self.institutions),
        ]


class Worklist:
    """The scopes of one evaluation. Fill it completely before evaluating: the taxpayers that flags
    name are read as they were before this evaluation changes any flag."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.institutions: set[Institution] = set()

    def add_file(self, file_id: int) -> None:
        """The chains the file's account reports belong to (a correction or deletion names an older
        chain), the taxpayer years of anyone matched in any version of those chains or named by their
        flags (a rematch may since have named someone else), and the file's FIs."""
        self._insert_chains(
            select(DocRecord.chain_id)
            .join(AccountReportRow, AccountReportRow.doc_record_id == DocRecord.id)
            .where(AccountReportRow.file_id == file_id)
            .distinct()
        )
        self._insert_taxpayer_years(union(_matched_in_chains(), _named_by_chain_flags()))
        self.institutions |= institutions_of_file(self.connection, file_id)

    def add_store(self) -> None:
        """Every chain, taxpayer year and institution year in the store, and those of every raised flag
        (so a flag whose subject no longer exists is retracted too)."""
        self._insert_chains(
            select(DocRecord.chain_id).where(DocRecord.kind == RecordKind.ACCOUNT_REPORT).distinct()
        )
        self._insert_taxpayer_years(
            union(_matched_in_chains(), _named_by_chain_flags(), _raised_taxpayer_flags())
        )
        self.institutions |= _raised_institution_flags(self.connection)
        self.institutions |= _institutions_of_store(self.connection)

    def batches(self, size: int) -> Iterator[ScopeBatch]:
        """Chains first, then taxpayer years, then institutions, at most `size` scopes a batch."""
        for chains in self._chain_pages(size):
            yield ScopeBatch(chains=chains)
        for pairs, stale in self._taxpayer_year_pages(size):
            yield ScopeBatch(taxpayer_years=pairs, stale_risk=stale)
        ordered = sorted(self.institutions)
        for start in range(0, len(ordered), size):
            yield ScopeBatch(institutions=tuple(ordered[start : start + size]))

    def _insert_chains(self, chains: Select[int]) -> None:
        self.connection.execute(insert(_CHAINS).from_select(["chain_id"], chains))

    def mark_stale_risk(self, taxpayer_ids: Collection[int]) -> None:
        """These taxpayers' risk scores are to be refreshed with their taxpayer years. Each of them is
        in the list: a chain's flags name only taxpayers matched in the chain or named by its flags."""
        stale = _TAXPAYER_YEARS.c.stale_risk
        for batch in chunked(sorted(taxpayer_ids)):
            self.connection.execute(
                update(_TAXPAYER_YEARS)
                .where(among(self.connection, _TAXPAYER_YEARS.c.taxpayer_id, batch))
                .values({stale: 1})
            )

    def _insert_taxpayer_years(self, pairs: CompoundSelect[int | None, int | None]) -> None:
        found = pairs.subquery()
        taxpayer, year = found.c
        rows = select(taxpayer, year, literal(0))
        self.connection.execute(
            insert(_TAXPAYER_YEARS).from_select(["taxpayer_id", "year", "stale_risk"], rows)
        )

    def _chain_pages(self, size: int) -> Iterator[tuple[int, ...]]:
        """Keyset pages: each is one indexed range read, however long the list."""
        chain = _CHAINS.c.chain_id
        last: int | None = None
        while True:
            query = select(chain).order_by(chain).limit(size)
            if last is not None:
                query = query.where(chain > last)
            page = tuple(self.connection.execute(query).scalars())
            if not page:
                return
            yield page
            last = page[-1]

    def _taxpayer_year_pages(self, size: int) -> Iterator[tuple[tuple[tuple[int, int], ...], frozenset[int]]]:
        """Pages in ascending (taxpayer, year): each page's taxpayers follow the last page's."""
        table = _TAXPAYER_YEARS.c
        key = (table.taxpayer_id, table.year)
        last: tuple[int, int] | None = None
        while True:
            query = select(*key, table.stale_risk).order_by(*key).limit(size)
            if last is not None:
                query = query.where(tuple_(*key) > tuple_(*(literal(value) for value in last)))
            rows = [(int(t), int(y), bool(stale)) for t, y, stale in self.connection.execute(query)]
            if not rows:
                return
            yield tuple((t, y) for t, y, _ in rows), frozenset(t for t, _, stale in rows if stale)
            last = rows[-1][:2]


@contextmanager
def worklist(connection: Connection) -> Iterator[Worklist]:
    """A work list in the connection's transaction. Its tables are dropped on success only: after an
    error the transaction is rolled back, which takes their creation with it (DDL is transactional on
    SQLite and PostgreSQL alike), and a statement in a failed PostgreSQL transaction would hide the
    error."""
    for table in (_CHAINS, _TAXPAYER_YEARS):
        table.create(connection)
    yield Worklist(connection)
    for table in (_CHAINS, _TAXPAYER_YEARS):
        table.drop(connection)


def _year(period: SQLColumnExpression[date]) -> ColumnElement[int]:
    return cast(extract("year", period), Integer)


def _matched_in_chains() -> Select[int | None, int]:
    return (
        select(PartyMatch.taxpayer_id, _year(MessageHeaderRow.reporting_period))
        .join(PartyRow, PartyRow.id == PartyMatch.party_id)
        .join(AccountReportRow, AccountReportRow.id == PartyRow.account_report_id)
        .join(DocRecord, DocRecord.id == AccountReportRow.doc_record_id)
        .join(MessageHeaderRow, MessageHeaderRow.file_id == AccountReportRow.file_id)
        .where(DocRecord.chain_id.in_(select(_CHAINS.c.chain_id)), PartyMatch.taxpayer_id.is_not(None))
    )


def _named_by_chain_flags() -> Select[int | None, int | None]:
    """Taxpayers any flag of the chains named, raised or retracted."""
    chain_scope = literal(ACCOUNT_SCOPE) + cast(_CHAINS.c.chain_id, String)
    return select(Flag.taxpayer_id, Flag.reporting_year).where(
        Flag.scope_key.in_(select(chain_scope)),
        Flag.taxpayer_id.is_not(None),
        Flag.reporting_year.is_not(None),
    )


def _raised_taxpayer_flags() -> Select[int | None, int | None]:
    return select(Flag.taxpayer_id, Flag.reporting_year).where(
        Flag.state == "raised",
        Flag.scope_key.startswith(TAXPAYER_SCOPE),
        Flag.taxpayer_id.is_not(None),
        Flag.reporting_year.is_not(None),
    )


def _raised_institution_flags(connection: Connection) -> set[Institution]:
    query = select(Flag.sender, Flag.institution, Flag.reporting_year).where(
        Flag.state == "raised", Flag.scope_key.startswith(INSTITUTION_SCOPE)
    )
    return {
        (sender, institution, year)
        for sender, institution, year in connection.execute(query)
        if sender and institution and year is not None
    }


def institutions_of_file(connection: Connection, file_id: int) -> set[Institution]:
    query = (
        select(ReportingFIRow.id, ReceivedFile.sender, MessageHeaderRow.reporting_period)
        .join(ReceivedFile, ReceivedFile.id == ReportingFIRow.file_id)
        .join(MessageHeaderRow, MessageHeaderRow.file_id == ReportingFIRow.file_id)
        .where(ReportingFIRow.file_id == file_id, ReportingFIRow.role == FIRole.REPORTING_FI)
    )
    rows = connection.execute(query).all()
    refs = institution_refs(connection, [fi_id for fi_id, _, _ in rows])
    return {(sender, refs[fi_id].key, period.year) for fi_id, sender, period in rows if fi_id in refs}


def _institutions_of_store(connection: Connection) -> set[Institution]:
    senders = set(connection.execute(select(DocRecord.sender).distinct()).scalars())
    years: dict[int, set[int]] = {}
    query = select(ReportingFIRow.id, MessageHeaderRow.reporting_period).join(
        MessageHeaderRow, MessageHeaderRow.file_id == ReportingFIRow.file_id
    )
    for fi_id, period in connection.execute(query):
        years.setdefault(fi_id, set()).add(period.year)
    return {
        (sender, ref.key, year)
        for fi_id, (sender, ref) in reporting_fis(connection, senders).items()
        for year in years.get(fi_id, ())
    }
