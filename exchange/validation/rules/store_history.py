"""The History the pipeline uses: the store's batched lookups (exchange.store.lookups)."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from contextlib import contextmanager
from datetime import date

from sqlalchemy import Connection, Engine, select

from exchange.store import lookups
from exchange.store.models import MessageHeaderRow
from exchange.validation.rules.history import KnownDoc


class StoreHistory:
    """Answers from the store. `file_id` is the file being validated, if the store registered it:
    its own claim on its MessageRefId (a redelivery of the same bytes) is not a reuse."""

    def __init__(self, bind: Engine | Connection, file_id: int | None = None) -> None:
        self._bind = bind
        self._file_id = file_id

    def doc_ref_states(self, sender: str, ids: Collection[str]) -> dict[str, KnownDoc]:
        found = lookups.doc_ref_states(self._bind, sender, ids)
        periods = self._reporting_periods({status.file_id for status in found.values()})
        return {
            doc_ref_id: KnownDoc(status.kind, status.state, periods.get(status.file_id))
            for doc_ref_id, status in found.items()
        }

    def used_message_ref_ids(self, sender: str, ids: Collection[str]) -> dict[str, int]:
        used = lookups.used_message_ref_ids(self._bind, sender, ids)
        return {
            message_ref_id: file_id for message_ref_id, file_id in used.items() if file_id != self._file_id
        }

    def current_reports_under(
        self, sender: str, fi_doc_ref_ids: Collection[str], limit: int
    ) -> dict[str, list[str]]:
        return lookups.current_reports_under(self._bind, sender, fi_doc_ref_ids, limit)

    def _reporting_periods(self, file_ids: Iterable[int]) -> dict[int, date]:
        """The ReportingPeriod of the messages that brought the found versions (80012): a few files per
        chunk at most, asked in one query."""
        periods: dict[int, date] = {}
        columns = (MessageHeaderRow.file_id, MessageHeaderRow.reporting_period)
        with _connection(self._bind) as connection:
            for chunk in lookups.chunks(file_ids):
                query = select(*columns).where(MessageHeaderRow.file_id.in_(chunk))
                periods.update({row.file_id: row.reporting_period for row in connection.execute(query)})
        return periods


@contextmanager
def _connection(bind: Engine | Connection) -> Iterator[Connection]:
    if isinstance(bind, Connection):
        yield bind
    else:
        with bind.connect() as connection:
            yield connection
