"""Split an accepted submission by receiving jurisdiction: each stored account report goes to every
partner where one of its holders or controlling persons is resident (the home country excepted: a report
about home residents only is the domestic remainder), with an outbound DocRefId of ours.

An institution's correction or deletion names its own earlier DocRefId; each partner that received that
report gets OECD2 (or OECD3) naming the outbound DocRefId it holds. A correction that moves an account
out of a partner's reach is a deletion for that partner, and one that brings it in is new data there.
Done once per submission, in one transaction, so a redelivered submission is never split twice.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path

from lxml import etree
from sqlalchemy import Connection, Engine, insert, select

from exchange.outbound.models import OutboundDoc, OutboundSplit
from exchange.pipeline.document import DocumentPass, PlainChunks
from exchange.records import AccountReport, DocAction, DocSpec, FIRole, ReportingFI
from exchange.settings import Settings
from exchange.store.models import DocRecord
from exchange.validation.source import iter_chunks
from exchange.writers.crs import VOCABULARY, account_report_element, reporting_fi_element
from exchange.writers.message import replace_doc_spec

ACCOUNT_REPORT = "account_report"
# The outbound DocTypeIndic of each action, for production data and for test data (OECD11-13).
_INDIC = {
    (DocAction.NEW, False): "OECD1",
    (DocAction.CORRECTION, False): "OECD2",
    (DocAction.DELETION, False): "OECD3",
    (DocAction.NEW, True): "OECD11",
    (DocAction.CORRECTION, True): "OECD12",
    (DocAction.DELETION, True): "OECD13",
}


@dataclass(frozen=True)
class SplitSummary:
    """What a submission became: records bound for each partner, and reports that stayed home."""

    file_id: int
    by_partner: dict[str, int]
    domestic: int
    held: int = 0  # records in error, kept until the institution corrects them
    already: bool = False  # split before (a redelivery): nothing new was made


def outbound_doc_ref_id(home: str, period: date, partner: str) -> str:
    """Ours, as the CRS user guide forms it: sending country, reporting year, receiving country, then a
    unique part (80001: it starts with the sending country)."""
    return f"{home}{period.year}{partner}-{uuid.uuid4().hex}"


def residences(report: AccountReport) -> set[str]:
    """Where the account is reportable: its holder's and its controlling persons' residences."""
    countries = set(report.holder.res_country_codes)
    for person in report.controlling_persons:
        countries.update(person.res_country_codes)
    return countries


def split_submission(
    engine: Engine,
    settings: Settings,
    file_id: int,
    institution: str,
    source: bytes | Path,
    held: Collection[str] = (),
) -> SplitSummary:
    """Split the stored submission `file_id` (read again from its bytes: the store keeps the records'
    data, not the document's elements); a submission split before is left as it is.

    `held` are the DocRefIds the institution was told a record error about: they stay home until it
    corrects them (its correction then goes abroad as new data, since no partner holds them)."""
    if _split_before(engine, file_id):
        return SplitSummary(file_id, {}, 0, already=True)
    period, institutions, reports = _records(settings, source)
    with engine.connect() as connection:
        stored = set(connection.scalars(select(DocRecord.doc_ref_id).where(DocRecord.file_id == file_id)))
    home = settings.home_jurisdiction
    with engine.begin() as connection:
        if _split_before(connection, file_id):
            return SplitSummary(file_id, {}, 0, already=True)
        rows: list[dict[str, object]] = []
        domestic: dict[int, int] = {}
        held_back = 0
        for position, report in enumerate(reports):
            if report.doc_spec.doc_ref_id not in stored or report.doc_spec.doc_ref_id in held:
                held_back += 1  # refused or in error: it waits for the institution's correction
                continue
            made = _outbound_rows(connection, report, institution, home, period)
            for row in made:
                row.update(file_id=file_id, position=position, body=report.body_index)
            rows += made
            if not made:
                domestic[report.body_index] = domestic.get(report.body_index, 0) + 1
        if rows:
            connection.execute(insert(OutboundDoc), rows)
        now = datetime.now(UTC)
        for body, fi in institutions.items():
            connection.execute(
                insert(OutboundSplit).values(
                    file_id=file_id,
                    body=body,
                    institution=institution,
                    reporting_period=period,
                    fi_element=etree.tostring(reporting_fi_element(fi)),
                    records_out=sum(1 for row in rows if row["body"] == body),
                    records_domestic=domestic.get(body, 0),
                    split_at=now,
                )
            )
    by_partner: dict[str, int] = {}
    for row in rows:
        partner = str(row["partner"])
        by_partner[partner] = by_partner.get(partner, 0) + 1
    return SplitSummary(file_id, by_partner, sum(domestic.values()), held=held_back)


def _outbound_rows(
    connection: Connection, report: AccountReport, institution: str, home: str, period: date
) -> list[dict[str, object]]:
    """One row per partner the report goes to, with its outbound DocSpec and element."""
    spec = report.doc_spec
    action = spec.action or DocAction.NEW
    now_there = residences(report) - {home}
    earlier = {} if action is DocAction.NEW else _earlier(connection, institution, spec.corr_doc_ref_id)
    targets: dict[str, tuple[DocAction, _Held | None]] = {}
    if action is DocAction.DELETION:
        targets = {partner: (DocAction.DELETION, corr) for partner, corr in earlier.items()}
    else:
        for partner in now_there | set(earlier):
            if partner not in earlier:
                targets[partner] = (DocAction.NEW, None)
            elif partner in now_there:
                targets[partner] = (action, earlier[partner])
            else:  # no longer reportable there: the partner's copy is withdrawn
                targets[partner] = (DocAction.DELETION, earlier[partner])
    rows = []
    for partner, (outbound_action, corr) in sorted(targets.items()):
        indic = _INDIC[(outbound_action, spec.is_test_data)]
        doc_ref_id = outbound_doc_ref_id(home, period, partner)
        outbound = DocSpec(indic, doc_ref_id, corr.doc_ref_id if corr else None)
        if outbound_action is DocAction.DELETION and corr is not None:
            # What is withdrawn is what the partner holds: the record as it was sent to it.
            element = replace_doc_spec(etree.fromstring(corr.element), outbound, VOCABULARY)
        else:
            element = account_report_element(_for_partner(report, partner, outbound))
        rows.append(
            {
                "institution": institution,
                "domestic_doc_ref_id": spec.doc_ref_id,
                "kind": ACCOUNT_REPORT,
                "partner": partner,
                "reporting_period": period,
                "doc_ref_id": doc_ref_id,
                "doc_type_indic": indic,
                "corr_doc_ref_id": outbound.corr_doc_ref_id,
                "element": etree.tostring(element),
            }
        )
    return rows


def _for_partner(report: AccountReport, partner: str, spec: DocSpec) -> AccountReport:
    """The partner's copy: its controlling persons only those resident there (the others are another
    partner's residents, and the partner's rule 60011 refuses them), under the outbound DocSpec."""
    persons = tuple(person for person in report.controlling_persons if partner in person.res_country_codes)
    return replace(report, doc_spec=spec, controlling_persons=persons)


@dataclass(frozen=True)
class _Held:
    """What a partner holds of a record: its outbound DocRefId and the element it was sent."""

    doc_ref_id: str
    element: bytes


def _earlier(connection: Connection, institution: str, domestic_doc_ref_id: str | None) -> dict[str, _Held]:
    """What each partner holds of the institution's record being corrected or deleted."""
    if not domestic_doc_ref_id:
        return {}
    found = connection.execute(
        select(OutboundDoc.partner, OutboundDoc.doc_ref_id, OutboundDoc.element).where(
            OutboundDoc.institution == institution,
            OutboundDoc.domestic_doc_ref_id == domestic_doc_ref_id,
            OutboundDoc.kind == ACCOUNT_REPORT,
        )
    ).all()
    return {row.partner: _Held(row.doc_ref_id, row.element) for row in found}


def _split_before(bind: Engine | Connection, file_id: int) -> bool:
    query = select(OutboundSplit.file_id).where(OutboundSplit.file_id == file_id).limit(1)
    if isinstance(bind, Connection):
        return bind.execute(query).first() is not None
    with bind.connect() as connection:
        return connection.execute(query).first() is not None


def _records(
    settings: Settings, source: bytes | Path
) -> tuple[date, dict[int, ReportingFI], Sequence[AccountReport]]:
    """The submission's reporting period, its institutions by body and its account reports."""
    document = DocumentPass(PlainChunks(iter_chunks(source)), settings, history=None)
    document.start()
    if document.header is None:
        raise ValueError("a stored submission has a header")  # only accepted submissions are split
    institutions: dict[int, ReportingFI] = {}
    reports: list[AccountReport] = []
    for item in document.items():
        if isinstance(item, ReportingFI) and item.role is FIRole.REPORTING_FI:
            institutions[item.body_index] = item
        elif isinstance(item, AccountReport):
            reports.append(item)
    return document.header.reporting_period, institutions, reports
