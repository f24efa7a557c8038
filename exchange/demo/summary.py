"""The demo's summary, read back from the store (not from the plan): files, codes, answers, chains."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from dataclasses import asdict, dataclass
from typing import Any

from lxml import etree
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, selectinload

from crypto import ReceivingContext, open_packet
from crypto.provision import AuthorityFolders
from exchange.anomalies import risk_scores, rule_of
from exchange.anomalies.models import Flag
from exchange.demo.scenario import Scenario
from exchange.reconcile.models import PartyMatch
from exchange.reconcile.report_matches import CompanyMatch, SellerMatch
from exchange.registry.models import Taxpayer
from exchange.settings import Settings
from exchange.states import Direction, Outcome, RecordKind
from exchange.store import FileState
from exchange.store.models import AccountReportRow, DocRecord, PartyRow, ReceivedFile


@dataclass(frozen=True)
class PlannedFile:
    """What the demo meant a packet to be: its round, what it holds, the verdict it should get."""

    round: int
    label: str
    expected: tuple[Outcome, ...]


def _outcome(file: ReceivedFile) -> Outcome:
    if file.state is FileState.REJECTED:
        return Outcome.REJECTED
    return Outcome.ACCEPTED_WITH_ERRORS if file.findings else Outcome.ACCEPTED


def _read_answer(content: bytes, recipient: AuthorityFolders) -> str:
    """What the partner reads in our answer: it must open with its key and verify with our certificate."""
    context = ReceivingContext(keyring=recipient.keyring(), trust=recipient.trust())
    with open_packet(content, context) as opened:
        message = etree.fromstring(opened.stream.read())
        opened.verdict()
    # Each format's status message has its own namespace (CRS, DPI, CbC): the same ValidationResult.
    return str(message.xpath("string(//*[local-name()='ValidationResult']/*[local-name()='Status'])"))


def _files(
    session: Session,
    authorities: dict[str, AuthorityFolders],
    plan: dict[str, PlannedFile],
    exchanged: Collection[str],
) -> list[dict[str, Any]]:
    query = (
        select(ReceivedFile)
        .options(
            selectinload(ReceivedFile.findings),
            selectinload(ReceivedFile.status_message),
            selectinload(ReceivedFile.header),
        )
        .order_by(ReceivedFile.id)
    )
    files = []
    for file in session.scalars(query):
        answer = file.status_message
        planned = plan.get(file.packet_sha256)
        if planned is None and (
            file.direction == Direction.SUBMITTED.value or file.message_ref_id in exchanged
        ):
            continue  # the two-way exchange's: its own summary reports those
        files.append(
            {
                "file_id": file.id,
                "round": planned.round if planned else None,
                "sent": planned.label if planned else None,
                "expected": [o.value for o in planned.expected] if planned else None,
                "sender": file.sender,
                "format": file.header.format_name if file.header else file.communication_type.lower(),
                "message_ref_id": file.message_ref_id,
                "outcome": _outcome(file).value,
                "state": file.state.value,
                "codes": dict(Counter(str(f.code) for f in file.findings)),
                "records_stored": file.records_stored,
                "answer": _read_answer(answer.content, authorities[file.sender]) if answer else None,
                "answered": answer is not None and answer.sent_at is not None,
            }
        )
    return files


def _chains(session: Session) -> dict[str, int]:
    query = (
        select(DocRecord.state, func.count())
        .where(DocRecord.kind == RecordKind.ACCOUNT_REPORT)
        .group_by(DocRecord.state)
    )
    return {state.value: count for state, count in session.execute(query)}


def _truth_of(scenario: Scenario, doc_ref_id: str, position: int) -> str | bool | None:
    """The national id behind a reported party (None: not in the registry); False when unknown.

    Corrections and deletions carry new DocRefIds (`…-C1`, `…-D1`) about the same people.
    """
    synthetic = scenario.truth.get(doc_ref_id) or scenario.truth.get(doc_ref_id.rsplit("-", 1)[0])
    if synthetic is None or position >= len(synthetic.truth):
        return False
    return synthetic.truth[position]


def _matching(session: Session, scenario: Scenario) -> dict[str, Any]:
    """Reconciliation's decisions, and how they compare with the ground truth the generator kept aside."""
    query = (
        select(PartyMatch.decision, Taxpayer.national_id, DocRecord.doc_ref_id, PartyRow.position)
        .join(PartyRow, PartyRow.id == PartyMatch.party_id)
        .join(AccountReportRow, AccountReportRow.id == PartyRow.account_report_id)
        .join(DocRecord, DocRecord.id == AccountReportRow.doc_record_id)
        .outerjoin(Taxpayer, Taxpayer.id == PartyMatch.taxpayer_id)
    )
    decisions: Counter[str] = Counter()
    right = wrong = registered = found = 0
    for decision, national_id, doc_ref_id, position in session.execute(query):
        decisions[decision] += 1
        truth = _truth_of(scenario, doc_ref_id, position)
        if truth is False:
            continue
        registered += truth is not None
        if decision == "match":
            right += national_id == truth
            wrong += national_id != truth
            found += truth is not None and national_id == truth
    parties = sum(decisions.values())
    return {
        "parties": parties,
        "decisions": dict(sorted(decisions.items())),
        "match_rate": round(decisions["match"] / parties, 3) if parties else None,
        "precision": round(right / (right + wrong), 4) if right + wrong else None,
        "recall": round(found / registered, 4) if registered else None,
    }


def _flags(session: Session, engine: Engine) -> dict[str, Any]:
    """Flags by code (raised and retracted), the highest-scoring examples, and the riskiest taxpayers."""
    by_code: dict[str, dict[str, int]] = {}
    for code, state, count in session.execute(
        select(Flag.code, Flag.state, func.count()).group_by(Flag.code, Flag.state)
    ):
        by_code.setdefault(code, {})[state] = count
    examples = []
    raised = (
        select(Flag).where(Flag.state == "raised").order_by(Flag.score.desc(), Flag.amount.desc(), Flag.id)
    )
    seen: set[str] = set()
    for flag in session.scalars(raised.limit(200)):
        if flag.code in seen:
            continue
        seen.add(flag.code)
        rule = rule_of(flag.code)
        examples.append(
            {
                "flag_id": flag.id,
                "code": flag.code,
                "name": rule.name if rule else flag.code,
                "sender": flag.sender,
                "taxpayer_id": flag.taxpayer_id,
                "amount": None if flag.amount is None else f"{flag.amount} {flag.currency or ''}".strip(),
            }
        )
    scores = risk_scores(engine)
    riskiest = sorted(scores.values(), key=lambda s: -s.score)[:3]
    return {
        "by_code": dict(sorted(by_code.items())),
        "examples": examples[:5],
        "taxpayers_flagged": len(scores),
        "riskiest": [asdict(score) for score in riskiest],
    }


def _report_matching(engine: Engine) -> dict[str, dict[str, int]]:
    """DPI sellers against the taxpayers and DPI/CbC entities against the company registry, by decision."""
    with Session(engine) as session:
        sellers = {
            decision: count
            for decision, count in session.execute(
                select(SellerMatch.decision, func.count()).group_by(SellerMatch.decision)
            )
        }
        entities = session.execute(
            select(CompanyMatch.source, CompanyMatch.decision, func.count()).group_by(
                CompanyMatch.source, CompanyMatch.decision
            )
        )
        companies: dict[str, int] = {}
        for source, decision, count in entities:
            companies[f"{source}:{decision}"] = count
        return {"sellers": dict(sorted(sellers.items())), "companies": dict(sorted(companies.items()))}


def summarize(
    engine: Engine,
    settings: Settings,
    scenario: Scenario,
    authorities: dict[str, AuthorityFolders],
    plan: dict[str, PlannedFile],
    exchanged: Collection[str] = (),
) -> dict[str, Any]:
    """The run as the store holds it; `plan` (by packet SHA-256) says what each file was sent as, and
    `exchanged` are the MessageRefIds of the two-way exchange's files, which its own summary shows."""
    with Session(engine) as session:
        files = _files(session, authorities, plan, exchanged)
        chains = _chains(session)
        matching = _matching(session, scenario)
        flags = _flags(session, engine)
    codes: Counter[str] = Counter()
    for file in files:
        codes.update(file["codes"])
    return {
        "home": settings.home_jurisdiction,
        "files_sent": len(scenario.files),
        "files": files,
        "outcomes": {o.value: n for o in Outcome if (n := sum(f["outcome"] == o for f in files))},
        "as_planned": sum(1 for file in files if file["outcome"] in (file["expected"] or ())),
        "rounds": [
            {"round": r.number, "title": r.title, "purpose": r.purpose, "files": len(r.files)}
            for r in scenario.rounds
        ],
        "codes": dict(sorted(codes.items())),
        "answers": {
            "sent": sum(1 for file in files if file["answered"]),
            "read_by_partners": dict(Counter(str(file["answer"]) for file in files if file["answer"])),
        },
        "account_report_versions": chains,
        "formats": dict(sorted(Counter(file["format"] for file in files).items())),
        "matching": matching,
        "platforms_and_groups": _report_matching(engine),
        "flags": flags,
    }
