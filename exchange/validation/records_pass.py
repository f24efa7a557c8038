"""The business-rules half of validation, for the pipeline: the record elements a `StreamPass` keeps
go in, the store's stream (records with their findings, a finding before its record) comes out.

    header = Extractor(spec).header(message_spec_element)
    items = validate_records(header, stream_pass.run(chunks), StoreHistory(engine, file_id), settings,
                             spec=spec, sender=packet.sender)
    store_file(engine, packet, header, chain(items, stream_pass.findings), ...)

Elements that hold no readable record (no DocSpec...) are skipped: the schema pass reports them and
rejects the file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import date

from lxml import etree

from exchange.extract import Extractor
from exchange.extract.extractor import Locator
from exchange.formats.spec import FormatSpec
from exchange.records import MessageHeader, StreamItem
from exchange.settings import Settings
from exchange.validation.rules import DEFAULT_CHUNK_SIZE, History, ReceiverProfile, RuleEngine


def validate_records(
    header: MessageHeader,
    elements: Iterable[etree._Element],
    history: History | None,
    settings: Settings | ReceiverProfile,
    *,
    spec: FormatSpec | None = None,
    sender: str | None = None,
    today: date | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    complete: Callable[[], bool] | None = None,
    locate: Locator | None = None,
) -> Iterator[StreamItem]:
    """Extract the records of `elements` and check them; yields findings and records in document order.

    `history` None skips the rules that need the sender's earlier files. `sender` is the authenticated
    sender (the packet's metadata sender, whose registered certificate signed the document): the document
    must come from it (50004), and it keys the store's lookups. None, for a file without its packet,
    leaves the sender rule out and keys the lookups by the header's TransmittingCountry. `complete` says,
    once the elements are exhausted, whether they were the whole file (see `RuleEngine.run`); `locate`
    gives each record's place in the file, for its findings.
    """
    receiver = settings if isinstance(settings, ReceiverProfile) else ReceiverProfile.from_settings(settings)
    records = Extractor(spec, locate).records(elements)
    engine = RuleEngine(chunk_size=chunk_size)
    return engine.run(
        header,
        records,
        receiver=receiver,
        history=history,
        sender=sender,
        today=today,
        authenticated_sender=sender,
        complete=complete,
    )
