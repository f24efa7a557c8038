"""Reading the store: files by state and sender, findings by code, a party's current reports, and
any record's current state and history, each one query (relations load in a few batched selects)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVarTuple

from sqlalchemy import ColumnElement, Select, and_, func, select
from sqlalchemy.orm import Session, selectinload

from exchange.records import (
    TIN,
    AccountReport,
    Address,
    AddressFix,
    DocSpec,
    Name,
    Party,
    PartyRole,
    Payment,
)
from exchange.states import SETTLED_STATES, DocState, FileState, Outcome
from exchange.store.models import (
    AccountReportRow,
    DocRecord,
    FindingRow,
    PartyAddressRow,
    PartyNameRow,
    PartyRow,
    PartyTinRow,
    ReceivedFile,
)

_Ts = TypeVarTuple("_Ts")


@dataclass(frozen=True, slots=True)
class FileFilter:
    """Which files a listing covers: state, verdict, sender, a code among their findings, and a window
    on the time they arrived."""

    state: FileState | None = None
    outcome: Outcome | None = None
    sender: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    code: int | None = None

    def apply(self, query: Select[*_Ts]) -> Select[*_Ts]:
        """`query` (over received_file) narrowed to these files."""
        if self.state is not None:
            query = query.where(ReceivedFile.state == self.state)
        if self.sender is not None:
            query = query.where(ReceivedFile.sender == self.sender)
        if self.since is not None:
            query = query.where(ReceivedFile.received_at >= self.since)
        if self.until is not None:
            query = query.where(ReceivedFile.received_at < self.until)
        if self.outcome is not None:
            query = query.where(_has_outcome(self.outcome))
        if self.code is not None:
            with_code = select(FindingRow.id).where(
                FindingRow.file_id == ReceivedFile.id, FindingRow.code == self.code
            )
            query = query.where(with_code.exists())
        return query


def _has_outcome(outcome: Outcome) -> ColumnElement[bool]:
    if outcome is Outcome.REJECTED:
        return ReceivedFile.state == FileState.REJECTED
    settled = ReceivedFile.state.in_(sorted(SETTLED_STATES - {FileState.REJECTED}))
    has_findings = select(FindingRow.id).where(FindingRow.file_id == ReceivedFile.id).exists()
    return and_(settled, has_findings if outcome is Outcome.ACCEPTED_WITH_ERRORS else ~has_findings)


def files(
    session: Session,
    *,
    state: FileState | None = None,
    sender: str | None = None,
    limit: int = 100,
    where: FileFilter | None = None,
    offset: int = 0,
) -> Sequence[ReceivedFile]:
    """The latest files first, optionally of one state and one sender, or as `where` says; `offset`
    skips that many of them (paging)."""
    chosen = where or FileFilter(state=state, sender=sender)
    query = (
        select(ReceivedFile)
        .order_by(ReceivedFile.received_at.desc(), ReceivedFile.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return session.scalars(chosen.apply(query)).all()


def count_files(session: Session, where: FileFilter | None = None) -> int:
    """How many files `where` selects."""
    counted: int = session.scalar((where or FileFilter()).apply(select(func.count(ReceivedFile.id)))) or 0
    return counted


def findings_by_code(
    session: Session, code: int, *, sender: str | None = None, where: FileFilter | None = None
) -> Sequence[FindingRow]:
    """The findings with one code, in file order, of the files `where` (or `sender`) selects."""
    chosen = where or FileFilter(sender=sender)
    query = chosen.apply(
        select(FindingRow)
        .join(FindingRow.file)
        .where(FindingRow.code == code)
        .order_by(FindingRow.file_id, FindingRow.position)
    )
    return session.scalars(query.options(selectinload(FindingRow.file))).all()


def codes_of_files(session: Session, file_ids: Collection[int]) -> dict[int, list[int]]:
    """The distinct finding codes of each of these files, in ascending order."""
    query = (
        select(FindingRow.file_id, FindingRow.code)
        .where(FindingRow.file_id.in_(file_ids))
        .distinct()
        .order_by(FindingRow.file_id, FindingRow.code)
    )
    codes: dict[int, list[int]] = {file_id: [] for file_id in file_ids}
    for file_id, code in session.execute(query):
        codes[file_id].append(code)
    return codes


def record_errors_of_files(session: Session, file_ids: Collection[int]) -> dict[int, int]:
    """How many record errors each of these files had (a record kept with its error counts too)."""
    query = (
        select(FindingRow.file_id, func.count())
        .where(FindingRow.file_id.in_(file_ids), FindingRow.level == "record")
        .group_by(FindingRow.file_id)
    )
    counts = dict.fromkeys(file_ids, 0)
    counts.update({file_id: count for file_id, count in session.execute(query)})
    return counts


def finding_counts(session: Session, where: FileFilter | None = None) -> Sequence[tuple[str, int, int]]:
    """(sender, code, findings) over the files `where` selects (all of them by default)."""
    query = (where or FileFilter()).apply(
        select(ReceivedFile.sender, FindingRow.code, func.count())
        .join(FindingRow.file)
        .group_by(ReceivedFile.sender, FindingRow.code)
        .order_by(ReceivedFile.sender, FindingRow.code)
    )
    return [(sender, code, count) for sender, code, count in session.execute(query)]


def _with_content(query: Select[AccountReportRow]) -> Select[AccountReportRow]:
    parties = selectinload(AccountReportRow.parties)
    return query.options(
        selectinload(AccountReportRow.doc_record),
        selectinload(AccountReportRow.payments),
        parties.selectinload(PartyRow.names),
        parties.selectinload(PartyRow.tins),
        parties.selectinload(PartyRow.addresses),
        parties.selectinload(PartyRow.residences),
    )


def current_reports_of_party(
    session: Session, tin: str, issued_by: str | None = None
) -> Sequence[AccountReportRow]:
    """The live account reports in which a TIN (of a holder, controlling person or substantial owner)
    appears, with their parties and payments loaded."""
    holders = select(PartyRow.account_report_id).join(PartyTinRow).where(PartyTinRow.value == tin)
    if issued_by is not None:
        holders = holders.where(PartyTinRow.issued_by == issued_by)
    query = (
        select(AccountReportRow)
        .join(DocRecord)
        .where(AccountReportRow.id.in_(holders), DocRecord.state == DocState.CURRENT)
        .order_by(AccountReportRow.id)
    )
    return session.scalars(_with_content(query)).all()


def account_reports_of_file(session: Session, file_id: int) -> Sequence[AccountReportRow]:
    query = select(AccountReportRow).where(AccountReportRow.file_id == file_id).order_by(AccountReportRow.id)
    return session.scalars(_with_content(query)).all()


def _chain_of(sender: str, doc_ref_id: str) -> Select[int]:
    return select(DocRecord.chain_id).where(DocRecord.sender == sender, DocRecord.doc_ref_id == doc_ref_id)


def history(session: Session, sender: str, doc_ref_id: str) -> Sequence[DocRecord]:
    """Every version of the record a DocRefId belongs to (any version's DocRefId), oldest first."""
    query = (
        select(DocRecord)
        .where(DocRecord.chain_id == _chain_of(sender, doc_ref_id).scalar_subquery())
        .order_by(DocRecord.id)
    )
    return session.scalars(query).all()


def latest_version(session: Session, sender: str, doc_ref_id: str) -> DocRecord | None:
    """The newest version of that record: `current` if it is live, `deleted` if it was deleted."""
    query = (
        select(DocRecord)
        .where(DocRecord.chain_id == _chain_of(sender, doc_ref_id).scalar_subquery())
        .order_by(DocRecord.id.desc())
        .limit(1)
    )
    return session.scalars(query).first()


def to_account_report(row: AccountReportRow) -> AccountReport:
    """The record as it was received (without its position in the file)."""
    doc = row.doc_record
    parties = [_to_party(party) for party in row.parties]
    return AccountReport(
        doc_spec=DocSpec(doc.doc_type_indic, doc.doc_ref_id, doc.corr_doc_ref_id, doc.corr_message_ref_id),
        account_number=row.account_number,
        account_number_type=row.account_number_type,
        undocumented=row.undocumented,
        closed=row.closed,
        dormant=row.dormant,
        holder=parties[0],
        controlling_persons=tuple(parties[1:]),
        balance=row.balance,
        currency=row.currency,
        payments=tuple(Payment(p.type, p.amount, p.currency, p.description) for p in row.payments),
        dd_procedure=row.dd_procedure,
        account_type=row.account_type,
        joint_account=row.joint_account,
    )


def _to_party(row: PartyRow) -> Party:
    return Party(
        kind=row.kind,
        role=PartyRole(row.role),
        names=tuple(_to_name(name) for name in row.names),
        res_country_codes=tuple(residence.country_code for residence in row.residences),
        tins=tuple(TIN(tin.value, tin.issued_by, tin.in_type) for tin in row.tins),
        addresses=tuple(_to_address(address) for address in row.addresses),
        nationalities=tuple(row.nationalities),
        birth_date=row.birth_date,
        birth_city=row.birth_city,
        birth_city_subentity=row.birth_city_subentity,
        birth_country_code=row.birth_country_code,
        birth_former_country_name=row.birth_former_country_name,
        acct_holder_type=row.acct_holder_type,
        ctrlg_person_types=tuple(row.ctrlg_person_types),
        self_cert=row.self_cert,
        equity_interest_types=tuple(row.equity_interest_types),
    )


def _to_name(row: PartyNameRow) -> Name:
    return Name(
        full=row.full_name,
        first=row.first_name,
        middle=tuple(row.middle_names),
        last=row.last_name,
        name_prefix=row.name_prefix,
        preceding_title=row.preceding_title,
        titles=tuple(row.titles),
        generation_identifiers=tuple(row.generation_identifiers),
        suffixes=tuple(row.suffixes),
        general_suffix=row.general_suffix,
        name_type=row.name_type,
    )


def _to_address(row: PartyAddressRow) -> Address:
    fix = None
    if row.city is not None:  # AddressFix requires City: its absence means free text only
        fix = AddressFix(
            city=row.city,
            street=row.street,
            building_identifier=row.building_identifier,
            suite_identifier=row.suite_identifier,
            floor_identifier=row.floor_identifier,
            district_name=row.district_name,
            pob=row.pob,
            post_code=row.post_code,
            country_subentity=row.country_subentity,
        )
    return Address(
        row.country_code, free=row.address_free, fix=fix, legal_address_type=row.legal_address_type
    )
