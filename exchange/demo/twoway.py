"""The demo's second half: the exchange among three authorities, BE, NL and LU, each an instance of the
product with its own store, keys, topics and consumer groups, all on the demo's one embedded broker.

Each authority's bank submits a file (`exchange submit`'s topic, read by `exchange submissions`' runner)
about accounts of the other two countries' residents and one of its own; each authority cuts and sends
one file per partner (`exchange outbound cut` and `send`); a gateway carries every outbound packet to its
partner's inbound topic, where that partner's `exchange run` runner answers it, and carries the answers
back, where the sender's runner matches them to what it sent. The summary reads each direction back from
both stores: what the sender sent, what the receiver made of it, and the answer the sender read.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select

from crypto.provision import AuthorityFolders
from exchange import db
from exchange.demo.folder import INSTANCES
from exchange.instance import claim_store
from exchange.outbound.models import InstitutionNotice, OutboundMessage, OutboundSplit
from exchange.outbound.queries import answers_of
from exchange.records import TIN, AccountReport, Address, DocSpec, MessageHeader, Name, ReportingFI
from exchange.registry.synthetic.population import Population
from exchange.registry.synthetic.reports import generate_reports
from exchange.settings import Settings
from exchange.states import Direction
from exchange.store import FileState
from exchange.store.models import ReceivedFile
from exchange.writers.crs import crs_bytes

AUTHORITIES = ("BE", "NL", "LU")
# Each authority's reporting bank: a domestic identifier (Belgium's with its modulo-97 check digits,
# rule 98304) and a GIIN beside it.
BANKS = {
    "BE": ("0403019261", "Banque de Bruxelles SA", "98Q96B.00000.LE.056"),
    "NL": ("NL123456789B01", "Amsterdamsche Bank NV", "A1B2C3.00000.LE.528"),
    "LU": ("B0012345", "Banque de Luxembourg SA", "D4E5F6.00000.LE.442"),
}
ACCOUNTS_PER_COUNTRY = 4  # in each bank's submission: for each partner, and as many staying home


@dataclass(frozen=True)
class Authority:
    """One instance: its settings (own store, keys, topics, groups) and its store."""

    code: str
    settings: Settings
    engine: Engine


def authority_settings(base: Settings, code: str, folders: AuthorityFolders, directory: Path) -> Settings:
    """BE keeps the demo's settings (its store is the demo's); NL and LU get a folder, store and topics
    of their own, prefixed by their code, so the three never read each other's topics."""
    if code == base.home_jurisdiction:
        return base
    prefix = code.lower()
    home = directory / INSTANCES / prefix
    return base.model_copy(
        update={
            "home_jurisdiction": code,
            "data_dir": home,
            "database_url": f"sqlite:///{home / 'exchange.db'}",
            "claim_check_dir": home / "claims",
            "keys_dir": folders.keys_dir,
            "partners_dir": folders.partners_dir,
            "kafka_consumer_group": f"exchange-demo-{prefix}",
            "submissions_consumer_group": f"exchange-demo-{prefix}-submissions",
            **{
                f"topic_{topic}": f"{prefix}.{getattr(base, f'topic_{topic}')}"
                for topic in (
                    "inbound",
                    "status",
                    "dlq",
                    "flags",
                    "submissions",
                    "submission_answers",
                    "outbound",
                )
            },
        }
    )


def open_authorities(
    base: Settings, folders: dict[str, AuthorityFolders], directory: Path, be_engine: Engine
) -> list[Authority]:
    """The three instances, NL's and LU's stores made and migrated here."""
    found = []
    for code in AUTHORITIES:
        settings = authority_settings(base, code, folders[code], directory)
        if settings is base:
            found.append(Authority(code, settings, be_engine))
            continue
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        engine = db.create_db_engine(settings.effective_database_url)
        db.upgrade(engine)
        claim_store(engine, settings)
        found.append(Authority(code, settings, engine))
    return found


def bank_submission(home: str, population: Population, seed: int) -> tuple[str, bytes]:
    """The home bank's report to its own authority: accounts of the registry's people, as many resident
    in each partner as at home (those stay home), under the bank's own DocRefIds."""
    identifier, name, giin = BANKS[home]
    partners = [code for code in AUTHORITIES if code != home]
    residences = [*partners, home]
    # People with one account and no controlling person, so each report has one residence.
    candidates = [
        r.report
        for sender in ("NL", "LU")
        for r in generate_reports(population, sender, seed)
        if not r.report.controlling_persons
    ]
    wanted = ACCOUNTS_PER_COUNTRY * len(residences)
    reports = [
        _resident(report, residences[index % len(residences)], f"{home}2025-{identifier}-AR{index + 1}")
        for index, report in enumerate(candidates[:wanted])
    ]
    header = MessageHeader(
        message_type="CRS",
        transmitting_country=home,
        receiving_country=home,
        message_ref_id=f"{home}2025{home}-{identifier}-1",
        reporting_period=date(2025, 12, 31),
        timestamp=datetime.now(UTC).replace(tzinfo=None, microsecond=0),
        message_type_indic="CRS701",
        sending_company_in=identifier,
    )
    fi = ReportingFI(
        doc_spec=DocSpec("OECD1", f"{home}2025-{identifier}-FI1"),
        names=(Name(full=name),),
        res_country_codes=(home,),
        ins=(TIN(identifier, issued_by=home), TIN(giin, issued_by="US", in_type="GIIN")),
        addresses=(Address(home, free=f"{name}, {home}"),),
    )
    return identifier, crs_bytes(header, fi, reports)


def _resident(report: AccountReport, country: str, doc_ref_id: str) -> AccountReport:
    holder = report.holder
    moved = replace(
        holder,
        res_country_codes=(country,),
        addresses=tuple(replace(address, country_code=country) for address in holder.addresses),
    )
    return replace(report, holder=moved, doc_spec=DocSpec("OECD1", doc_ref_id))


async def exchange_among(authorities: Sequence[Authority], population: Population, seed: int) -> None:
    """Submit, cut, send, carry, answer and read the answers, for every authority at once."""
    from consumers.admin import ensure_topics, outbound_topics, run_topics, submission_topics
    from consumers.gateway import Gateway
    from consumers.outbound_files import SendReport, send, unsent
    from consumers.pipeline_handler import PipelineHandler
    from consumers.runner import ConsumerTuning, InboundRunner
    from consumers.submission_handler import SubmissionHandler
    from consumers.submit import publish_submission
    from exchange.outbound.cut import cut
    from exchange.pipeline import Pipeline
    from exchange.submissions.process import Submissions

    servers = authorities[0].settings.kafka_bootstrap_servers
    for authority in authorities:
        topics = run_topics(authority.settings) + submission_topics(authority.settings)
        await ensure_topics(servers, topics + outbound_topics(authority.settings), 1, 1)
    gateway = Gateway(servers)
    for authority in authorities:  # what BE answered in the demo's first half is not for the gateway
        await gateway.skip(authority.settings.topic_status)
    tuning = ConsumerTuning(session_timeout_ms=6000, heartbeat_interval_ms=1000)
    receiving = {
        a.code: InboundRunner(a.settings, PipelineHandler(Pipeline(a.settings, a.engine)), tuning=tuning)
        for a in authorities
    }
    submitted = {
        a.code: InboundRunner(
            a.settings,
            SubmissionHandler(a.settings, Submissions(a.settings, a.engine)),
            group_id=a.settings.submissions_consumer_group,
            tuning=tuning,
            topic=a.settings.topic_submissions,
            topics=submission_topics(a.settings),
        )
        for a in authorities
    }
    tasks = [asyncio.create_task(runner.run()) for runner in [*receiving.values(), *submitted.values()]]
    inbound = {a.code: a.settings.topic_inbound for a in authorities}
    try:
        for authority in authorities:
            institution, document = bank_submission(authority.code, population, seed)
            await publish_submission(authority.settings, document, institution, f"{institution}-1.xml")
        await _until(tasks, lambda: all(runner.files_done >= 1 for runner in submitted.values()))
        for authority in authorities:
            cut(authority.engine, authority.settings, 2025)
            await send(authority.settings, authority.engine, unsent(authority.engine), SendReport())
        # One sender's packets at a time, answered before the next sender's: each store takes its files
        # in the same order on every run (same seed, same demo), as in the demo's first half.
        expected = {code: 0 for code in receiving}
        for topic in ("topic_outbound", "topic_status"):
            for authority in authorities:
                carried = await gateway.carry(getattr(authority.settings, topic), inbound, authority.code)
                for partner, count in carried.items():
                    expected[partner] += count
                await _until(tasks, lambda: all(receiving[c].files_done >= n for c, n in expected.items()))
    finally:
        for runner in [*receiving.values(), *submitted.values()]:
            runner.request_stop()
        await asyncio.gather(*tasks, return_exceptions=True)


async def _until(tasks: Sequence[asyncio.Task[None]], condition: Any, timeout_s: float = 60.0) -> None:
    """Wait for `condition`; a runner that stopped meanwhile raises its error."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while not condition():
        for task in tasks:
            if task.done():
                task.result()
                raise RuntimeError("a runner stopped before the exchange was done")
        if loop.time() > deadline:
            raise TimeoutError("the three authorities' exchange did not finish in time")
        await asyncio.sleep(0.1)


def directions(authorities: Sequence[Authority]) -> dict[str, Any]:
    """Each authority's submission, and each direction as both ends' stores tell it."""
    by_code = {a.code: a for a in authorities}
    submissions = {a.code: _submission(a) for a in authorities}
    found = []
    for sender in authorities:
        with sender.engine.connect() as connection:
            sent = connection.execute(select(OutboundMessage).order_by(OutboundMessage.id)).all()
        for message in sent:
            receiver = by_code.get(message.partner)
            answers = answers_of(sender.engine, message.id)
            found.append(
                {
                    "from": sender.code,
                    "to": message.partner,
                    "message_ref_id": message.message_ref_id,
                    "records": message.records,
                    "sent": message.sent_at is not None,
                    "received": _received(receiver, message.message_ref_id) if receiver else None,
                    "answer": answers[-1]["status"] if answers else None,
                    "record_errors": answers[-1]["record_errors"] if answers else 0,
                }
            )
    return {"submissions": submissions, "directions": found}


def _submission(authority: Authority) -> dict[str, Any]:
    with authority.engine.connect() as connection:
        files = connection.execute(
            select(ReceivedFile.state).where(ReceivedFile.direction == Direction.SUBMITTED.value)
        ).all()
        domestic = connection.execute(
            select(func.coalesce(func.sum(OutboundSplit.records_domestic), 0))
        ).scalar()
        notices = connection.execute(select(func.count()).select_from(InstitutionNotice)).scalar()
    return {
        "files": len(files),
        "accepted": sum(1 for f in files if f.state is not FileState.REJECTED),
        "stayed_home": domestic,
        "institutions_told_of_record_errors": notices,
    }


def _received(receiver: Authority, message_ref_id: str) -> str | None:
    """The receiver's verdict on the file: accepted, accepted with errors, rejected (or not there)."""
    with receiver.engine.connect() as connection:
        row = connection.execute(
            select(ReceivedFile.id, ReceivedFile.state, ReceivedFile.records_refused).where(
                ReceivedFile.message_ref_id == message_ref_id
            )
        ).first()
    if row is None:
        return None
    if row.state is FileState.REJECTED:
        return "rejected"
    return "accepted_with_errors" if row.records_refused else "accepted"
