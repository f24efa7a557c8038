"""The outbound side of the store: each submission's split, the records bound for each partner with
their outbound DocRefIds, and the messages cut from them.

`outbound_doc` is the table that maps a domestic DocRefId (an institution's) to the outbound one a
partner received: a later correction or deletion from the institution is sent to each partner as
OECD2/OECD3 naming the outbound DocRefId that partner holds.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from exchange.models import Base
from exchange.store.types import Count, Id


class OutboundSplit(Base):
    """A submission's body (CrsBody: one reporting institution) split once: its ReportingFI as the
    partners will see it, and what stayed home."""

    __tablename__ = "outbound_split"

    file_id: Mapped[int] = mapped_column(Id, ForeignKey("received_file.id"), primary_key=True)
    body: Mapped[int] = mapped_column(Integer, primary_key=True)
    institution: Mapped[str] = mapped_column(String)
    reporting_period: Mapped[date] = mapped_column(Date)
    fi_element: Mapped[bytes] = mapped_column(LargeBinary)  # with the submission's own DocSpec
    records_out: Mapped[int] = mapped_column(Count)  # outbound records made (one per partner)
    records_domestic: Mapped[int] = mapped_column(Count)  # reports about home residents only
    split_at: Mapped[datetime] = mapped_column()


class OutboundMessage(Base):
    """A message cut for one partner: its header's identity and the document as it was written."""

    __tablename__ = "outbound_message"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    partner: Mapped[str] = mapped_column(String(2), index=True)
    reporting_period: Mapped[date] = mapped_column(Date)
    message_ref_id: Mapped[str] = mapped_column(String, unique=True)
    message_type_indic: Mapped[str] = mapped_column(String(8))
    records: Mapped[int] = mapped_column(Count)
    document: Mapped[bytes] = mapped_column(LargeBinary)
    cut_at: Mapped[datetime] = mapped_column()
    # The CTS packet, made once and kept: whatever is published again is these very bytes. A resend
    # (the partner could not open it) replaces it with a new transmission of the same document.
    packet: Mapped[bytes | None] = mapped_column(LargeBinary)
    transmission_id: Mapped[str | None] = mapped_column(String)  # the packet's SenderFileId
    packaged_at: Mapped[datetime | None] = mapped_column()
    sent_at: Mapped[datetime | None] = mapped_column()  # confirmed on the outbound topic
    transmissions: Mapped[int] = mapped_column(Count, default=0)  # packets made: 1, then one per resend


class OutboundDoc(Base):
    """One record bound for one partner: the domestic DocRefId it comes from, its outbound DocSpec and
    its element, waiting for a message (`message_id` None) or in one."""

    __tablename__ = "outbound_doc"
    __table_args__ = (
        UniqueConstraint("file_id", "domestic_doc_ref_id", "partner", name="uq_outbound_doc_file_id"),
        Index("ix_outbound_doc_pending", "partner", "message_id"),
        Index("ix_outbound_doc_domestic", "institution", "domestic_doc_ref_id"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    file_id: Mapped[int] = mapped_column(Id, ForeignKey("received_file.id"))
    institution: Mapped[str] = mapped_column(String)
    domestic_doc_ref_id: Mapped[str] = mapped_column(String)
    kind: Mapped[str] = mapped_column(String(16))  # reporting_fi, account_report
    partner: Mapped[str] = mapped_column(String(2))
    reporting_period: Mapped[date] = mapped_column(Date)
    doc_ref_id: Mapped[str] = mapped_column(String, unique=True)
    doc_type_indic: Mapped[str] = mapped_column(String(8))
    corr_doc_ref_id: Mapped[str | None] = mapped_column(String)
    body: Mapped[int] = mapped_column(Integer)  # its CrsBody in the submission (outbound_split.body)
    position: Mapped[int] = mapped_column(Integer)  # the record's place in its submission
    element: Mapped[bytes] = mapped_column(LargeBinary)
    message_id: Mapped[int | None] = mapped_column(Id, ForeignKey("outbound_message.id"))


class OutboundAnswer(Base):
    """A partner's status message about one of our messages: its verdict and file error codes."""

    __tablename__ = "outbound_answer"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    packet_sha256: Mapped[str] = mapped_column(String(64), unique=True)  # a redelivery is stored once
    message_id: Mapped[int] = mapped_column(Id, ForeignKey("outbound_message.id"), index=True)
    partner: Mapped[str] = mapped_column(String(2))
    status_message_ref_id: Mapped[str] = mapped_column(String)
    status: Mapped[str] = mapped_column(String(16))  # Accepted, Rejected
    file_errors: Mapped[str] = mapped_column(String)  # the codes, comma-separated, in the message's order
    record_errors: Mapped[int] = mapped_column(Count)
    received_at: Mapped[datetime] = mapped_column()


class OutboundRecordError(Base):
    """A record error a partner reported, traced to the record we sent and so to the institution's
    submission (`outbound_doc.file_id`, `domestic_doc_ref_id`): it waits for the institution's
    correction until a later record of the same chain is sent."""

    __tablename__ = "outbound_record_error"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    answer_id: Mapped[int] = mapped_column(Id, ForeignKey("outbound_answer.id"), index=True)
    outbound_doc_id: Mapped[int] = mapped_column(Id, ForeignKey("outbound_doc.id"), index=True)
    code: Mapped[int] = mapped_column(Integer)


class InstitutionNotice(Base):
    """A domestic institution told of a partner's record errors about its submission: a status message
    naming the institution's own DocRefIds, made with the partner's answer (in its transaction) and kept,
    so that a redelivered answer or a crash before the publish sends these same bytes again."""

    __tablename__ = "institution_notice"
    __table_args__ = (UniqueConstraint("answer_id", "file_id", name="uq_institution_notice_answer_id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    answer_id: Mapped[int] = mapped_column(Id, ForeignKey("outbound_answer.id"))
    file_id: Mapped[int] = mapped_column(Id, ForeignKey("received_file.id"), index=True)
    institution: Mapped[str] = mapped_column(String)
    partner: Mapped[str] = mapped_column(String(2))
    message_ref_id: Mapped[str] = mapped_column(String, unique=True)
    content: Mapped[bytes] = mapped_column(LargeBinary)  # the signed status message
    made_at: Mapped[datetime] = mapped_column()
    sent_at: Mapped[datetime | None] = mapped_column()  # confirmed on the institutions' answers topic
