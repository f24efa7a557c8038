"""The rule engine: a header and a stream of records in, the same records out with their findings
interleaved, each finding before the record it is about (the stream `exchange.store.store_file` takes).

Memory stays bounded: records are held one chunk at a time (the chunk's DocRefIds are looked up in one
call), and the file-level rules keep only their own small state (a few flags, the current body, the
file's DocRefIds for the chain rules).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date
from itertools import islice

from exchange.logs import get_logger
from exchange.records import MessageHeader, Record, StreamItem
from exchange.validation.codes import REFUSING_CODES
from exchange.validation.findings import Finding
from exchange.validation.rules.chain import ChainMemory, ChainView
from exchange.validation.rules.context import ReceiverProfile, RuleContext
from exchange.validation.rules.declarations import (
    ChainRule,
    FileRule,
    MessageRule,
    Problem,
    RecordRule,
    Rule,
    Tracker,
)
from exchange.validation.rules.history import History, KnownDoc
from exchange.validation.rules.registry import RULES

DEFAULT_CHUNK_SIZE = 1000

log = get_logger(__name__)


class RuleEngine:
    def __init__(self, rules: Sequence[Rule] = RULES, *, chunk_size: int = DEFAULT_CHUNK_SIZE) -> None:
        if chunk_size < 1:
            raise ValueError("chunk_size must be at least 1")
        self._rules = tuple(rules)
        self._chunk_size = chunk_size

    def run(
        self,
        header: MessageHeader,
        records: Iterable[Record],
        *,
        receiver: ReceiverProfile,
        history: History | None = None,
        sender: str | None = None,
        today: date | None = None,
        authenticated_sender: str | None = None,
        complete: Callable[[], bool] | None = None,
    ) -> Iterator[StreamItem]:
        """Check one file. Without `history`, the rules that need earlier files are skipped.

        `complete`, asked once the records are exhausted, says whether they were the whole file: after a
        read that stopped early (a fatal file error), the file rules' conclusions (no CrsBody, a body
        without reports...) would only describe the cut, and are left out.

        `sender` keys the store's lookups (the packet's sender); it defaults to TransmittingCountry.
        `authenticated_sender` is the party whose registered certificate signed the packet: the document
        must come from it (50004); None (a file without its packet) leaves that rule out.
        """
        # A generator, so that nothing (not even the MessageRefId lookup) happens before the first item
        # is asked for.
        check = _FileCheck(
            self,
            header,
            receiver,
            history,
            sender or header.transmitting_country,
            today,
            authenticated_sender,
        )
        yield from check.run(records, complete)

    def active(self, header: MessageHeader, with_history: bool) -> tuple[Rule, ...]:
        return tuple(
            rule
            for rule in self._rules
            if rule.applies_to(header) and (with_history or not rule.needs_history)
        )

    @property
    def chunk_size(self) -> int:
        return self._chunk_size


class _FileCheck:
    """The state of one file's check."""

    def __init__(
        self,
        engine: RuleEngine,
        header: MessageHeader,
        receiver: ReceiverProfile,
        history: History | None,
        sender: str,
        today: date | None,
        authenticated_sender: str | None,
    ) -> None:
        active = engine.active(header, with_history=history is not None)
        self._chunk_size = engine.chunk_size
        self._history = history
        self._sender = sender
        self._message_rules = [rule for rule in active if isinstance(rule, MessageRule)]
        self._record_rules = [rule for rule in active if isinstance(rule, RecordRule)]
        self._record_rules_by_type: dict[type, list[RecordRule]] = {}
        self._file_rules = [rule for rule in active if isinstance(rule, FileRule)]
        self._chain_rules = [rule for rule in active if isinstance(rule, ChainRule)]
        self._looks_up_docs = history is not None and any(rule.needs_history for rule in self._chain_rules)
        used = self._used_message_ref_ids(header)
        self._ctx = RuleContext(
            header, receiver, today or date.today(), used, history, sender, authenticated_sender
        )
        self._memory = ChainMemory()
        self._counts: Counter[int] = Counter()
        self._records = 0

    def run(self, records: Iterable[Record], complete: Callable[[], bool] | None) -> Iterator[StreamItem]:
        for message_rule in self._message_rules:
            yield from self._findings(message_rule, message_rule.check(self._ctx.header, self._ctx), None)
        trackers = [(rule, rule.start(self._ctx)) for rule in self._file_rules]
        try:
            yield from self._check_all(records, trackers)
        finally:
            self._memory.close()  # also when the consumer stops early: the memory may hold a file
        if complete is None or complete():
            for file_rule, tracker in trackers:
                yield from self._findings(file_rule, tracker.end(), None)
        log.info(
            "business rules checked",
            format=f"{self._ctx.header.format_name} {self._ctx.header.format_version}",
            records=self._records,
            findings=sum(self._counts.values()),
            codes={str(code): count for code, count in sorted(self._counts.items())},
        )

    def _check_all(
        self, records: Iterable[Record], trackers: list[tuple[FileRule, Tracker]]
    ) -> Iterator[StreamItem]:
        iterator = iter(records)
        if not self._looks_up_docs:
            # Chunks only exist for the store's lookup. Without one, each record is checked as it
            # comes: a held chunk of records survives into the collector's oldest generation, and the
            # full collections that then follow traverse everything the process has imported.
            chain = ChainView(self._memory, {})
            for record in iterator:
                yield from self._check(record, trackers, chain)
        while chunk := list(islice(iterator, self._chunk_size)):
            chain = ChainView(self._memory, self._stored(chunk))
            for record in chunk:
                yield from self._check(record, trackers, chain)

    def _check(
        self, record: Record, trackers: list[tuple[FileRule, Tracker]], chain: ChainView
    ) -> Iterator[StreamItem]:
        self._records += 1
        findings: list[Finding] = []
        ctx, counts = self._ctx, self._counts
        # Plain loops rather than `_findings` generators: this runs for every rule of every record, and
        # almost every rule finds nothing.
        for record_rule in self._record_rules_for(record):
            for found in record_rule.check(record, ctx):
                counts[record_rule.code] += 1
                findings.append(_finding(record_rule, found, record))
        for file_rule, tracker in trackers:
            for found in tracker.see(record):
                counts[file_rule.code] += 1
                findings.append(_finding(file_rule, found, record))
        for chain_rule in self._chain_rules:
            for found in chain_rule.check(record, ctx, chain):
                counts[chain_rule.code] += 1
                findings.append(_finding(chain_rule, found, record))
        yield from findings
        # A refused record is not stored, so it changes no chain (as in exchange.store.chains).
        if not findings or not any(finding.code in REFUSING_CODES for finding in findings):
            self._memory.remember(record)
        yield record

    def _record_rules_for(self, record: Record) -> list[RecordRule]:
        # A rule concerns a record by its type alone, so the choice is made once per type.
        kind = type(record)
        rules = self._record_rules_by_type.get(kind)
        if rules is None:
            rules = self._record_rules_by_type[kind] = [
                rule for rule in self._record_rules if rule.concerns(record)
            ]
        return rules

    def _findings(self, rule: Rule, problems: Iterable[Problem], record: Record | None) -> Iterator[Finding]:
        for found in problems:
            self._counts[rule.code] += 1
            yield _finding(rule, found, record)

    def _used_message_ref_ids(self, header: MessageHeader) -> dict[str, int]:
        if self._history is None or not any(rule.needs_history for rule in self._message_rules):
            return {}
        return dict(self._history.used_message_ref_ids(self._sender, [header.message_ref_id]))

    def _stored(self, chunk: list[Record]) -> dict[str, KnownDoc]:
        if not self._looks_up_docs or self._history is None:
            return {}
        named = {record.doc_spec.doc_ref_id for record in chunk}
        named.update(record.doc_spec.corr_doc_ref_id for record in chunk if record.doc_spec.corr_doc_ref_id)
        return dict(self._history.doc_ref_states(self._sender, named))


def _finding(rule: Rule, found: Problem, record: Record | None) -> Finding:
    if found.doc_ref_ids is not None:
        doc_ref_ids = found.doc_ref_ids
    else:
        doc_ref_ids = () if record is None else (record.doc_spec.doc_ref_id,)
    line = found.line if found.line is not None else (None if record is None else record.line)
    path = found.path if found.path is not None else (None if record is None else record.path)
    return Finding(
        code=rule.code,
        level=rule.level,
        message=found.message,
        doc_ref_ids=doc_ref_ids,
        field_paths=found.field_paths,
        line=line,
        path=path,
    )
