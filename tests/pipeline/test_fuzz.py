"""Fuzzing the whole pipeline: whatever a partner sends ends answered or dead-lettered with a reason.

Valid packets and documents (CRS v2 and v3, FATCA, DPI and CbC) are mutated the ways hostile or broken senders
mutate them: values at the bounds of their types, huge numbers, dates at years 1, 9999 and 10000, deleted and
duplicated elements, random byte flips and truncations of the signed document before it is compressed and
encrypted, and of the packet after. Each case goes through `Pipeline.process`, the one function `exchange
process` and the Kafka consumers call, on SQLite and on PostgreSQL, and must end in a final state with an
answer, or as a dead letter whose reason is not "internal error". Nothing may raise. A seeded sample of the
same cases also goes through the real broker and `exchange run`'s runner: each record ends as exactly one
answer or one dead letter.

The examples are derived from a fixed seed (the `ci` profile of tests/conftest.py: 100 cases per engine); the
`fuzz` profile (`pytest --hypothesis-profile=fuzz tests/pipeline/test_fuzz.py`) runs thousands with a
fresh seed each time.
"""

from __future__ import annotations

import asyncio
import io
import itertools
import random
import re
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO
from unittest import mock

import pytest
from aiokafka import ConsumerRecord
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from lxml import etree
from sqlalchemy import Engine, select

from consumers.admin import ensure_topics
from consumers.messages import REASON_HEADER
from consumers.pipeline_handler import PipelineHandler
from consumers.runner import ConsumerTuning, InboundRunner
from crypto.dsig_sign import sign_enveloping
from crypto.provision import AuthorityFolders
from exchange.db import create_db_engine, upgrade
from exchange.pipeline import Pipeline, PipelineResult
from exchange.settings import Settings
from exchange.states import FileState
from exchange.store.models import ReceivedFile
from tests.extract import documents
from tests.formats.cbc_documents import cbc_document
from tests.formats.dpi_documents import dpi_document
from tests.kafka_helpers import produce, read_topic, wait_for
from tests.pipeline.conftest import builders, crs_file, on_own_topics, seal

# States a file may be left in once `process` returned: its effect is complete (the answer's
# publication, which moves an accepted file to `answered`, is the caller's).
FINAL_STATES = frozenset({FileState.FLAGGED, FileState.ANSWERED, FileState.REJECTED})

# Values at the edges of what the schemas' types allow, and just beyond them.
BOUNDARY_TEXTS = (
    "",
    " ",
    "0",
    "-1",
    "-5",
    "2147483647",
    "2147483648",
    "3000000000",
    "9223372036854775807",
    "9223372036854775808",
    "1" + "0" * 30,
    "-" + "9" * 40,
    "1e400",
    "NaN",
    "INF",
    "9999999999999999.99",
    "99999999999999999.99",
    "-0.00",
    "0.001",
    "0001-01-01",
    "1850-06-30",
    "1963-11-31",
    "9999-12-31",
    "10000-01-01",
    "-0001-01-01",
    "2025-12-31T23:59:60",
    "9999-12-31T23:59:59.999999999+14:00",
    "10000-01-01T00:00:00",
    "true",
    "yes",
    "OECD1",
    "OECD3",
    "CRS703",
    "XX",
    "BE",
    "NL",
    "A" * 5000,
    "\u202e\u0635\u0648\u0631\u0629",
    "\U0001f600",
    "&amp;&lt;",
    "DE89 3704 0044 0532 0130 00",
)


# Values that the schema's type of each element admits, at its extremes: these get past the schema and
# test what the rules, the store and the flags make of them.
AMOUNTS = ("0.00", "-0.01", "-251949.14", "9999999999999999.99", "99999999999999999999999.99", "1E3", "0.1")
COUNTS = ("0", "-5", "2147483648", "3000000000", "9223372036854775808", "1" + "0" * 30)
DATES = ("0001-01-01", "1850-06-30", "1899-12-31", "2999-01-01", "9999-12-31", "10000-01-01", "-0044-03-15")
DATE_TIMES = ("0001-01-01T00:00:00", "9999-12-31T23:59:59.999999999+14:00", "10000-01-01T00:00:00Z")
TEXTS = (
    "A" * 5000,
    "\u202e\u0635\u0648\u0631\u0629",
    "\U0001f600",
    " x ",
    "DE89 3704 0044 0532 0130 00",
    "0",
)
TYPED_VALUES: dict[str, tuple[str, ...]] = {
    "AccountBalance": AMOUNTS,
    "PaymentAmnt": AMOUNTS,
    "PoolBalance": AMOUNTS,
    "AccountCount": COUNTS,
    "Number": ("1", "200", "0", "201"),
    "BirthDate": DATES,
    "ReportingPeriod": DATES,
    "Timestamp": DATE_TIMES,
    "FirstName": TEXTS,
    "LastName": TEXTS,
    "Name": TEXTS,
    "AddressFree": TEXTS,
    "City": TEXTS,
    "AccountNumber": TEXTS,
    "TIN": TEXTS,
    "IN": TEXTS,
    # DPI: a seller's figures per quarter, and a let property's days
    **{f"{prefix}Q{quarter}": AMOUNTS for prefix in ("Cons", "Fees", "Tax") for quarter in range(1, 5)},
    **{f"NumbQ{quarter}": COUNTS for quarter in range(1, 5)},
    "RentedDays": COUNTS,
    # CbC: a jurisdiction's summary
    **dict.fromkeys(
        (
            "Unrelated",
            "Related",
            "Total",
            "ProfitOrLoss",
            "TaxPaid",
            "TaxAccrued",
            "Capital",
            "Earnings",
            "Assets",
        ),
        AMOUNTS,
    ),
    "NbEmployees": COUNTS,
}


@dataclass(frozen=True)
class BaseFile:
    """A valid document and the authority that sends it to BE."""

    name: str
    sender: str
    document: bytes


def _fatca_to_be() -> bytes:
    """The extraction tests' FATCA file, sent to BE with production data only."""
    return (
        documents.fatca_v2()
        .replace(b"<sfa:ReceivingCountry>US<", b"<sfa:ReceivingCountry>BE<")
        .replace(b">FATCA11<", b">FATCA1<")
    )


def _crs_v2() -> bytes:
    reports = (
        builders.account_report(doc_ref_id="LU2025BE-F1"),
        builders.account_report(
            doc_ref_id="LU2025BE-F2",
            holder=builders.organisation("CRS101"),
            controlling_persons=(builders.controlling_person(),),
            balance="10.50",
        ),
    )
    return crs_file("LU", *reports, message_ref_id="LU2025BE-FUZZ")


BASES = (
    BaseFile("crs_v2", "LU", _crs_v2()),
    BaseFile("crs_v3", "LU", documents.crs_v3()),
    BaseFile("fatca_v2", "NL", _fatca_to_be()),
    BaseFile("dpi_v1", "NL", dpi_document()),
    BaseFile("cbc_v2", "LU", cbc_document()),
)


# --- mutations: each takes the document's bytes and returns what the sender will sign ---------------

Mutation = Callable[[bytes], bytes]


def _elements(tree: etree._Element) -> list[etree._Element]:
    return [element for element in tree.iter() if isinstance(element.tag, str)]


def _with_tree(document: bytes, change: Callable[[etree._Element], None]) -> bytes:
    root = etree.fromstring(document, etree.XMLParser(resolve_entities=False, no_network=True))
    change(root)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


def set_text(index: int, value: str) -> Mutation:
    def mutate(document: bytes) -> bytes:
        def change(root: etree._Element) -> None:
            leaves = [e for e in _elements(root) if len(e) == 0]
            if leaves:  # earlier deletions may have left none
                leaves[index % len(leaves)].text = value

        return _with_tree(document, change)

    return mutate


def set_typed(index: int, choice: int) -> Mutation:
    """An element of a kind in TYPED_VALUES gets one of the extremes its type admits."""

    def mutate(document: bytes) -> bytes:
        def change(root: etree._Element) -> None:
            typed = [e for e in _elements(root) if etree.QName(e).localname in TYPED_VALUES and len(e) == 0]
            if not typed:
                return
            element = typed[index % len(typed)]
            values = TYPED_VALUES[etree.QName(element).localname]
            element.text = values[choice % len(values)]

        return _with_tree(document, change)

    return mutate


def set_attribute(index: int, value: str) -> Mutation:
    def mutate(document: bytes) -> bytes:
        def change(root: etree._Element) -> None:
            holders = [e for e in _elements(root) if e.attrib]
            if not holders:
                return
            element = holders[index % len(holders)]
            names = sorted(element.attrib)
            element.set(names[index % len(names)], value)

        return _with_tree(document, change)

    return mutate


def delete_element(index: int) -> Mutation:
    def mutate(document: bytes) -> bytes:
        def change(root: etree._Element) -> None:
            children = _elements(root)[1:]
            if not children:  # earlier deletions may have left the root alone
                return
            element = children[index % len(children)]
            parent = element.getparent()
            assert parent is not None
            parent.remove(element)

        return _with_tree(document, change)

    return mutate


def duplicate_element(index: int, times: int) -> Mutation:
    def mutate(document: bytes) -> bytes:
        def change(root: etree._Element) -> None:
            children = _elements(root)[1:]
            if not children:  # earlier deletions may have left the root alone
                return
            element = children[index % len(children)]
            parent = element.getparent()
            assert parent is not None
            position = parent.index(element)
            for _ in range(times):
                parent.insert(position + 1, etree.fromstring(etree.tostring(element)))

        return _with_tree(document, change)

    return mutate


def flip_bytes(positions: list[int], values: list[int]) -> Mutation:
    def mutate(data: bytes) -> bytes:
        flipped = bytearray(data)
        for position, value in zip(positions, values, strict=False):
            flipped[position % len(flipped)] ^= value or 1
        return bytes(flipped)

    return mutate


def truncate(fraction: float) -> Mutation:
    def mutate(data: bytes) -> bytes:
        return data[: int(len(data) * fraction)]

    return mutate


INDEXES = st.integers(min_value=0, max_value=10_000)
POSITIONS = st.lists(INDEXES, min_size=1, max_size=8)
BYTE_VALUES = st.lists(st.integers(min_value=1, max_value=255), min_size=1, max_size=8)

TREE_MUTATIONS: st.SearchStrategy[Mutation] = st.one_of(
    st.builds(set_typed, INDEXES, INDEXES),
    st.builds(set_typed, INDEXES, INDEXES),
    st.builds(set_typed, INDEXES, INDEXES),
    st.builds(set_text, INDEXES, st.sampled_from(BOUNDARY_TEXTS)),
    st.builds(set_attribute, INDEXES, st.sampled_from(BOUNDARY_TEXTS)),
    st.builds(delete_element, INDEXES),
    st.builds(duplicate_element, INDEXES, st.integers(min_value=1, max_value=3)),
)
BYTE_MUTATIONS: st.SearchStrategy[Mutation] = st.one_of(
    st.builds(flip_bytes, POSITIONS, BYTE_VALUES),
    st.builds(truncate, st.floats(min_value=0.0, max_value=0.99)),
)


@dataclass(frozen=True)
class Case:
    """What the sender does to a valid file: edits its document (still XML, then signed), garbles the
    signed payload before it is compressed and encrypted, garbles the finished packet."""

    base: BaseFile
    tree_mutations: tuple[Mutation, ...]
    signed_mutation: Mutation | None
    packet_mutation: Mutation | None


# A garbled packet rarely gets past the first check, so byte-level damage comes in one case of five:
# most cases are edited documents that reach the rules, the store, reconciliation and the flags.
SOMETIMES_GARBLED = st.one_of(st.none(), st.none(), st.none(), st.none(), BYTE_MUTATIONS)

CASES = st.builds(
    Case,
    st.sampled_from(BASES),
    st.lists(TREE_MUTATIONS, min_size=1, max_size=3).map(tuple),
    SOMETIMES_GARBLED,
    SOMETIMES_GARBLED,
)


# --- the store and the authorities, shared by every example of one test ---------------------------


@pytest.fixture
def fuzz_pipeline(be_settings: Settings) -> Iterator[Pipeline]:
    engine = create_db_engine(be_settings.effective_database_url)
    upgrade(engine)
    try:
        yield Pipeline(be_settings, engine)
    finally:
        engine.dispose()


_IDENTIFIER = re.compile(rb"(<(?:\w+:)?(?:Corr)?(?:Doc|Message)RefId>)([^<]+)(<)")
_EXAMPLES = itertools.count(1)


def unique_identifiers(document: bytes, number: int) -> bytes:
    """Every example's own MessageRefId and DocRefIds (corrections' references moved alike), so that
    examples sharing one store explore their mutations rather than 50009 and 80000."""
    return _IDENTIFIER.sub(lambda m: m.group(1) + m.group(2) + b"-X%d" % number + m.group(3), document)


@contextmanager
def _garbled_after_signing(mutation: Mutation | None) -> Iterator[None]:
    """Let `create_packet` sign as usual, then hand `mutation` of the signed bytes to its compression
    and encryption: what a broken or hostile sender's tool puts inside a correctly encrypted packet."""
    if mutation is None:
        yield
        return

    def sign_then_garble(source: BinaryIO, target: BinaryIO, *args: Any, **kwargs: Any) -> None:
        signed = io.BytesIO()
        sign_enveloping(source, signed, *args, **kwargs)
        target.write(mutation(signed.getvalue()))

    with mock.patch("crypto.packet_create.sign_enveloping", sign_then_garble):
        yield


def _packet(case: Case, authorities: dict[str, AuthorityFolders], outbox: Path) -> bytes:
    document = unique_identifiers(case.base.document, next(_EXAMPLES))
    for mutation in case.tree_mutations:
        document = mutation(document)
    with _garbled_after_signing(case.signed_mutation):
        packet = seal(document, authorities[case.base.sender], authorities["BE"], outbox)
    return case.packet_mutation(packet) if case.packet_mutation is not None else packet


def _stored_state(engine: Engine, sha256: str) -> FileState | None:
    with engine.connect() as connection:
        state: FileState | None = connection.execute(
            select(ReceivedFile.state).where(ReceivedFile.packet_sha256 == sha256)
        ).scalar_one_or_none()
    return state


def _assert_settled(result: PipelineResult, engine: Engine) -> None:
    if result.dead_letter is not None:
        assert result.dead_letter.strip(), "a dead letter without its reason"
        assert "internal error" not in result.dead_letter, result.dead_letter
        stored = _stored_state(engine, result.sha256)
        assert stored is None or stored in FINAL_STATES, f"dead-lettered file left in state {stored}"
        return
    outcome = result.outcome
    assert outcome is not None
    stored = _stored_state(engine, result.sha256)
    assert stored in FINAL_STATES, f"file left in state {stored}"
    assert outcome.state is stored, f"the result says {outcome.state}, the store {stored}"
    assert result.answer is not None and result.answer_to, "a stored outcome without an answer"
    if outcome.state is FileState.REJECTED:
        assert outcome.rejection_code is not None
        assert any(finding.rejects_file for finding in outcome.findings)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow], deadline=None)
@given(case=CASES)
def test_every_mutated_packet_ends_answered_or_dead_lettered(
    case: Case, fuzz_pipeline: Pipeline, benelux: dict[str, AuthorityFolders]
) -> None:
    with tempfile.TemporaryDirectory(prefix="fuzz-") as outbox:
        packet = _packet(case, benelux, Path(outbox))
    result = fuzz_pipeline.process(packet)
    codes = sorted({finding.code for finding in result.outcome.findings}) if result.outcome else []
    event(f"{result.disposition} {codes[:3]}")  # --hypothesis-show-statistics: what the cases reached
    _assert_settled(result, fuzz_pipeline.engine)
    # The same bytes again: the same outcome, answered from the store.
    again = fuzz_pipeline.process(packet)
    assert again.disposition == result.disposition
    assert again.answer == result.answer


def test_the_unmutated_bases_are_accepted(
    fuzz_pipeline: Pipeline, benelux: dict[str, AuthorityFolders], tmp_path: Path
) -> None:
    """The mutations start from files the pipeline accepts, so they explore past the first check."""
    for base in BASES:
        result = fuzz_pipeline.process(seal(base.document, benelux[base.sender], benelux["BE"], tmp_path))
        assert result.outcome is not None and result.outcome.accepted, (base.name, result.to_dict())


# --- the same through the broker: every record ends as one answer or one dead letter -------------

BROKER_CASES = 24
BROKER_SEED = 20261203


def _seeded_case(rng: random.Random) -> Case:
    """A case drawn by a seeded generator, as the property test's strategies would draw it."""

    def index() -> int:
        return rng.randrange(10_000)

    def tree_mutation() -> Mutation:
        kind = rng.randrange(6)
        if kind < 3:
            return set_typed(index(), index())
        if kind == 3:
            return set_text(index(), rng.choice(BOUNDARY_TEXTS))
        if kind == 4:
            return delete_element(index())
        return duplicate_element(index(), rng.randint(1, 3))

    def sometimes_garbled() -> Mutation | None:
        if rng.randrange(5):
            return None
        if rng.randrange(2):
            return truncate(rng.random() * 0.99)
        return flip_bytes([index() for _ in range(3)], [rng.randint(1, 255) for _ in range(3)])

    return Case(
        rng.choice(BASES),
        tuple(tree_mutation() for _ in range(rng.randint(1, 3))),
        sometimes_garbled(),
        sometimes_garbled(),
    )


def test_mutated_packets_through_the_broker_each_end_answered_or_dead_lettered(
    be_settings: Settings, benelux: dict[str, AuthorityFolders], kafka_bootstrap: str, tmp_path: Path
) -> None:
    settings = on_own_topics(be_settings, kafka_bootstrap)
    rng = random.Random(BROKER_SEED)
    packets = [(case.base.sender, _packet(case, benelux, tmp_path)) for case in
               (_seeded_case(rng) for _ in range(BROKER_CASES))]  # fmt: skip
    engine = create_db_engine(settings.effective_database_url)
    upgrade(engine)
    tuning = ConsumerTuning(session_timeout_ms=2000, heartbeat_interval_ms=300, max_poll_interval_ms=10000)
    handler = PipelineHandler(Pipeline(settings, engine))
    runner = InboundRunner(settings, handler, group_id=settings.kafka_consumer_group, tuning=tuning)

    async def scenario() -> tuple[list[ConsumerRecord[Any, Any]], list[ConsumerRecord[Any, Any]]]:
        topics = [settings.topic_inbound, settings.topic_status, settings.topic_dlq, settings.topic_flags]
        await ensure_topics(kafka_bootstrap, topics, 2, 1)
        for sender, packet in packets:
            await produce(kafka_bootstrap, settings.topic_inbound, packet, sender.encode())
        task = asyncio.create_task(runner.run())
        await wait_for(lambda: runner.files_done == len(packets) or task.done(), 120)
        runner.request_stop()
        await task
        answers = await read_topic(kafka_bootstrap, settings.topic_status, len(packets), timeout_s=5)
        dead = await read_topic(kafka_bootstrap, settings.topic_dlq, len(packets), timeout_s=5)
        return answers, dead

    answers, dead = asyncio.run(scenario())
    assert len(answers) + len(dead) == len(packets), "each record: one answer or one dead letter"
    reasons = [dict(letter.headers)[REASON_HEADER].decode() for letter in dead]
    assert all(reason.strip() and "internal error" not in reason for reason in reasons), reasons
    with engine.connect() as connection:
        states = list(connection.scalars(select(ReceivedFile.state)))
    engine.dispose()
    assert len(states) == len(answers)
    assert set(states) <= {FileState.ANSWERED, FileState.REJECTED}, states
