"""Tables of the store: received files and their outcome, and what the accepted files reported.

Text columns carry no length: a value longer than the standard allows is a schema finding that rejects
the file, and it must reach that verdict rather than fail the load halfway on PostgreSQL. Numbers a file
states are 64-bit or exact decimals; what still does not fit is refused per record (exchange.store.limits).
Lists of codes are JSON arrays. Every record version is a `doc_record` row, whatever its kind, so the
correction chains and the DocRefId lookups work on one table.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Enum,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from exchange.models import Base
from exchange.records import FIRole, PartyKind
from exchange.states import Direction, DocState, FileState, RecordKind
from exchange.store.columns import ADDRESS_DETAIL, LegalAddress
from exchange.store.types import Amount, Count, Id


def _enum(enum_type: type[StrEnum]) -> Enum:
    # VARCHAR holding the member's value: portable, and the bulk path writes the same strings.
    return Enum(
        enum_type,
        native_enum=False,
        create_constraint=False,
        length=max(len(member.value) for member in enum_type),
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )


def _codes() -> Mapped[list[str]]:
    return mapped_column(JSON, default=list)


class ReceivedFile(Base):
    """A packet as it arrived, and how far it went. The SHA-256 of its bytes is the idempotency key."""

    __tablename__ = "received_file"
    __table_args__ = (Index("ix_received_file_sender_state", "sender", "state"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    packet_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    profile: Mapped[str] = mapped_column(String)  # CTS, IDES
    sender: Mapped[str] = mapped_column(String)
    receiver: Mapped[str] = mapped_column(String)
    communication_type: Mapped[str] = mapped_column(String)
    sender_file_id: Mapped[str | None] = mapped_column(String)
    message_ref_id: Mapped[str | None] = mapped_column(String)
    packet_size: Mapped[int] = mapped_column(BigInteger)
    payload_size: Mapped[int | None] = mapped_column(BigInteger)
    state: Mapped[FileState] = mapped_column(_enum(FileState))
    rejection_code: Mapped[int | None] = mapped_column(Integer)
    records_stored: Mapped[int] = mapped_column(Count, default=0)
    records_refused: Mapped[int] = mapped_column(Count, default=0)
    received_at: Mapped[datetime] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column()
    settled_at: Mapped[datetime | None] = mapped_column()
    # received: from a partner authority; submitted: from a domestic institution (exchange.submissions).
    direction: Mapped[str] = mapped_column(String(16), server_default=text(f"'{Direction.RECEIVED.value}'"))

    header: Mapped[MessageHeaderRow | None] = relationship(back_populates="file")
    findings: Mapped[list[FindingRow]] = relationship(order_by="FindingRow.position", back_populates="file")
    status_message: Mapped[StatusMessageRow | None] = relationship(back_populates="file")
    events: Mapped[list[FileEventRow]] = relationship(order_by="FileEventRow.id", back_populates="file")


class FileEventRow(Base):
    """A step of a file's path (received, opened, ... answered or rejected) and when it was taken: the
    file's row keeps only where it is now."""

    __tablename__ = "file_event"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    file_id: Mapped[int] = mapped_column(Id, ForeignKey("received_file.id"), index=True)
    state: Mapped[FileState] = mapped_column(_enum(FileState))
    at: Mapped[datetime] = mapped_column()

    file: Mapped[ReceivedFile] = relationship(back_populates="events")


class MessageHeaderRow(Base):
    __tablename__ = "message_header"

    file_id: Mapped[int] = mapped_column(Id, ForeignKey("received_file.id"), primary_key=True)
    format_name: Mapped[str] = mapped_column(String)
    format_version: Mapped[str] = mapped_column(String)
    message_type: Mapped[str] = mapped_column(String)
    transmitting_country: Mapped[str] = mapped_column(String)
    receiving_country: Mapped[str] = mapped_column(String)
    message_ref_id: Mapped[str] = mapped_column(String)
    message_type_indic: Mapped[str | None] = mapped_column(String)
    corr_message_ref_ids: Mapped[list[str]] = _codes()
    reporting_period: Mapped[date] = mapped_column()
    # ISO text as the file gave it: the standard allows a timestamp without zone, which no column type keeps.
    timestamp: Mapped[str] = mapped_column(String)
    sending_company_in: Mapped[str | None] = mapped_column(String)
    warning: Mapped[str | None] = mapped_column(Text)
    contact: Mapped[str | None] = mapped_column(Text)

    file: Mapped[ReceivedFile] = relationship(back_populates="header")


class UsedMessageRefId(Base):
    """A sender's MessageRefIds already taken by a file: a second file with one of them is 50009."""

    __tablename__ = "used_message_ref_id"

    sender: Mapped[str] = mapped_column(String, primary_key=True)
    message_ref_id: Mapped[str] = mapped_column(String, primary_key=True)
    file_id: Mapped[int] = mapped_column(Id, ForeignKey("received_file.id"), unique=True)


class FindingRow(Base):
    __tablename__ = "finding"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    file_id: Mapped[int] = mapped_column(Id, ForeignKey("received_file.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    code: Mapped[int] = mapped_column(Integer, index=True)
    level: Mapped[str] = mapped_column(String(6))  # file, record
    message: Mapped[str] = mapped_column(Text)
    doc_ref_ids: Mapped[list[str]] = _codes()
    field_paths: Mapped[list[str]] = _codes()
    line: Mapped[int | None] = mapped_column(Count)
    path: Mapped[str | None] = mapped_column(String)

    file: Mapped[ReceivedFile] = relationship(back_populates="findings")


class StatusMessageRow(Base):
    """The status message answering a file, built once and sent again as is on redelivery."""

    __tablename__ = "status_message"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    file_id: Mapped[int] = mapped_column(Id, ForeignKey("received_file.id"), unique=True)
    message_ref_id: Mapped[str] = mapped_column(String, unique=True)
    accepted: Mapped[bool] = mapped_column()
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column()
    sent_at: Mapped[datetime | None] = mapped_column()

    file: Mapped[ReceivedFile] = relationship(back_populates="status_message")


class DocRecord(Base):
    """One version of a record (one DocRefId) and its place in its correction chain.

    `chain_id` is the id of the chain's first version, so a whole history is one indexed query.
    An OECD0 resend adds no version: it names the existing DocRefId. The unique key leads with
    `doc_ref_id`, so that a batch's lookup (many DocRefIds of one sender) can only use the index as
    many point lookups, never as a scan of all of the sender's rows.
    """

    __tablename__ = "doc_record"
    __table_args__ = (UniqueConstraint("doc_ref_id", "sender", name="uq_doc_record_doc_ref_id_sender"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    file_id: Mapped[int] = mapped_column(Id, ForeignKey("received_file.id"), index=True)
    sender: Mapped[str] = mapped_column(String)
    doc_ref_id: Mapped[str] = mapped_column(String)
    kind: Mapped[RecordKind] = mapped_column(_enum(RecordKind))
    doc_type_indic: Mapped[str] = mapped_column(String)
    corr_doc_ref_id: Mapped[str | None] = mapped_column(String)
    corr_message_ref_id: Mapped[str | None] = mapped_column(String)
    corrects_id: Mapped[int | None] = mapped_column(Id, ForeignKey("doc_record.id"))
    chain_id: Mapped[int] = mapped_column(Id, index=True)
    state: Mapped[DocState] = mapped_column(_enum(DocState))

    file: Mapped[ReceivedFile] = relationship()


class ReportingFIRow(Base):
    """A ReportingFI, Sponsor or Intermediary as one file gave it (a resend is a row of its own)."""

    __tablename__ = "reporting_fi"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    file_id: Mapped[int] = mapped_column(Id, ForeignKey("received_file.id"), index=True)
    doc_record_id: Mapped[int] = mapped_column(Id, ForeignKey("doc_record.id"), index=True)
    role: Mapped[FIRole] = mapped_column(_enum(FIRole))
    doc_type_indic: Mapped[str] = mapped_column(String)
    filer_category: Mapped[str | None] = mapped_column(String)

    doc_record: Mapped[DocRecord] = relationship()
    party: Mapped[PartyRow] = relationship(back_populates="reporting_fi")


class AccountReportRow(Base):
    __tablename__ = "account_report"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    file_id: Mapped[int] = mapped_column(Id, ForeignKey("received_file.id"), index=True)
    doc_record_id: Mapped[int] = mapped_column(Id, ForeignKey("doc_record.id"), unique=True)
    reporting_fi_id: Mapped[int | None] = mapped_column(Id, ForeignKey("reporting_fi.id"), index=True)
    sponsor_id: Mapped[int | None] = mapped_column(Id, ForeignKey("reporting_fi.id"))
    intermediary_id: Mapped[int | None] = mapped_column(Id, ForeignKey("reporting_fi.id"))
    account_number: Mapped[str] = mapped_column(String)
    account_number_type: Mapped[str | None] = mapped_column(String)
    undocumented: Mapped[bool | None] = mapped_column()
    closed: Mapped[bool | None] = mapped_column()
    dormant: Mapped[bool | None] = mapped_column()
    balance: Mapped[Decimal] = mapped_column(Amount)
    currency: Mapped[str] = mapped_column(String)
    dd_procedure: Mapped[str | None] = mapped_column(String)
    account_type: Mapped[str | None] = mapped_column(String)
    joint_account: Mapped[int | None] = mapped_column(Count)

    doc_record: Mapped[DocRecord] = relationship()
    reporting_fi: Mapped[ReportingFIRow | None] = relationship(foreign_keys=[reporting_fi_id])
    parties: Mapped[list[PartyRow]] = relationship(
        order_by="PartyRow.position", back_populates="account_report"
    )
    payments: Mapped[list[PaymentRow]] = relationship(order_by="PaymentRow.position")


class PoolReportRow(Base):
    __tablename__ = "pool_report"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    file_id: Mapped[int] = mapped_column(Id, ForeignKey("received_file.id"), index=True)
    doc_record_id: Mapped[int] = mapped_column(Id, ForeignKey("doc_record.id"), unique=True)
    reporting_fi_id: Mapped[int | None] = mapped_column(Id, ForeignKey("reporting_fi.id"), index=True)
    account_count: Mapped[int] = mapped_column(Count)
    pool_report_type: Mapped[str] = mapped_column(String)
    balance: Mapped[Decimal] = mapped_column(Amount)
    currency: Mapped[str] = mapped_column(String)

    doc_record: Mapped[DocRecord] = relationship()


class PartyRow(Base):
    """A holder, controlling person or substantial owner of an account, or the identity of an FI."""

    __tablename__ = "party"
    __table_args__ = (
        CheckConstraint("(account_report_id IS NULL) <> (reporting_fi_id IS NULL)", name="one_owner"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    account_report_id: Mapped[int | None] = mapped_column(Id, ForeignKey("account_report.id"), index=True)
    reporting_fi_id: Mapped[int | None] = mapped_column(Id, ForeignKey("reporting_fi.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String)  # a PartyRole, or the FIRole of an FI's identity
    kind: Mapped[PartyKind] = mapped_column(_enum(PartyKind))
    acct_holder_type: Mapped[str | None] = mapped_column(String)
    ctrlg_person_types: Mapped[list[str]] = _codes()
    self_cert: Mapped[str | None] = mapped_column(String)
    equity_interest_types: Mapped[list[str]] = _codes()
    nationalities: Mapped[list[str]] = _codes()
    birth_date: Mapped[date | None] = mapped_column()
    birth_city: Mapped[str | None] = mapped_column(String)
    birth_city_subentity: Mapped[str | None] = mapped_column(String)
    birth_country_code: Mapped[str | None] = mapped_column(String)
    birth_former_country_name: Mapped[str | None] = mapped_column(String)

    account_report: Mapped[AccountReportRow | None] = relationship(back_populates="parties")
    reporting_fi: Mapped[ReportingFIRow | None] = relationship(back_populates="party")
    names: Mapped[list[PartyNameRow]] = relationship(order_by="PartyNameRow.position")
    tins: Mapped[list[PartyTinRow]] = relationship(order_by="PartyTinRow.position")
    addresses: Mapped[list[PartyAddressRow]] = relationship(order_by="PartyAddressRow.position")
    residences: Mapped[list[PartyResidenceRow]] = relationship(order_by="PartyResidenceRow.position")


class PartyNameRow(Base):
    __tablename__ = "party_name"

    party_id: Mapped[int] = mapped_column(Id, ForeignKey("party.id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    name_type: Mapped[str | None] = mapped_column(String)
    full_name: Mapped[str | None] = mapped_column(String)
    first_name: Mapped[str | None] = mapped_column(String)
    middle_names: Mapped[list[str]] = _codes()
    last_name: Mapped[str | None] = mapped_column(String)
    name_prefix: Mapped[str | None] = mapped_column(String)
    preceding_title: Mapped[str | None] = mapped_column(String)
    titles: Mapped[list[str]] = _codes()
    generation_identifiers: Mapped[list[str]] = _codes()
    suffixes: Mapped[list[str]] = _codes()
    general_suffix: Mapped[str | None] = mapped_column(String)


class PartyTinRow(Base):
    """A TIN, or an organisation's IN; indexed by value for matching and `current_reports_of_party`."""

    __tablename__ = "party_tin"

    party_id: Mapped[int] = mapped_column(Id, ForeignKey("party.id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    value: Mapped[str] = mapped_column(String, index=True)
    issued_by: Mapped[str | None] = mapped_column(String)
    in_type: Mapped[str | None] = mapped_column(String)


class PartyAddressRow(LegalAddress, Base):
    """An address; the structured part is present when `city` is (AddressFix requires City)."""

    __tablename__ = "party_address"

    party_id: Mapped[int] = mapped_column(Id, ForeignKey("party.id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    suite_identifier: Mapped[str | None] = mapped_column(String, sort_order=ADDRESS_DETAIL)
    floor_identifier: Mapped[str | None] = mapped_column(String, sort_order=ADDRESS_DETAIL)
    district_name: Mapped[str | None] = mapped_column(String, sort_order=ADDRESS_DETAIL)
    pob: Mapped[str | None] = mapped_column(String, sort_order=ADDRESS_DETAIL)


class PartyResidenceRow(Base):
    __tablename__ = "party_residence"

    party_id: Mapped[int] = mapped_column(Id, ForeignKey("party.id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    country_code: Mapped[str] = mapped_column(String)


class PaymentRow(Base):
    __tablename__ = "payment"

    account_report_id: Mapped[int] = mapped_column(Id, ForeignKey("account_report.id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    type: Mapped[str] = mapped_column(String)
    amount: Mapped[Decimal] = mapped_column(Amount)
    currency: Mapped[str] = mapped_column(String)
    description: Mapped[str | None] = mapped_column(Text)


from exchange.outbound import models as _outbound_models  # noqa: E402, F401  (the outbound tables, same metadata)
from exchange.store import cbc_models as _cbc_models  # noqa: E402, F401  (CbC's tables on the same metadata)
from exchange.store import dpi_models as _dpi_models  # noqa: E402, F401  (DPI's tables on the same metadata)
