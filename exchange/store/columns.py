"""Column sets that several store tables share: the head of a stored record and the parts of an address.

They are mixins so that each table declares them once. The bulk path writes rows positionally in table
order (exchange/store/rows.py), so every shared column carries a `sort_order` that puts it where the table
has always had it: a record's head first, an address's parts in the standard's order with room for a
table's own parts between them (`ADDRESS_DETAIL`) and after them (`AFTER_ADDRESS`).
"""

from __future__ import annotations

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from exchange.store.types import Id

_HEAD = -1  # before a table's own columns (which default to 0)
ADDRESS_DETAIL = 6  # suite, floor, district, PO box: between the building and the post code
AFTER_ADDRESS = 10


def codes(sort_order: int = 0) -> Mapped[list[str]]:
    """A list of codes or names, kept as a JSON array."""
    return mapped_column(JSON, default=list, sort_order=sort_order)


class RecordHead:
    """What every record table of a report begins with: its key, its file, its DocSpec version (one
    `doc_record` row, which holds the correction chain) and the reporting entity it was reported under."""

    id: Mapped[int] = mapped_column(Id, primary_key=True, sort_order=_HEAD)
    file_id: Mapped[int] = mapped_column(Id, ForeignKey("received_file.id"), index=True, sort_order=_HEAD)
    doc_record_id: Mapped[int] = mapped_column(Id, ForeignKey("doc_record.id"), unique=True, sort_order=_HEAD)
    reporting_fi_id: Mapped[int | None] = mapped_column(
        Id, ForeignKey("reporting_fi.id"), index=True, sort_order=_HEAD
    )


class AddressLines:
    """An address as the OECD Address_Type has it: a free form, a structured form, or both."""

    country_code: Mapped[str] = mapped_column(String, sort_order=1)
    address_free: Mapped[str | None] = mapped_column(Text, sort_order=3)
    street: Mapped[str | None] = mapped_column(String, sort_order=4)
    building_identifier: Mapped[str | None] = mapped_column(String, sort_order=5)
    post_code: Mapped[str | None] = mapped_column(String, sort_order=7)
    city: Mapped[str | None] = mapped_column(String, sort_order=8)


class LegalAddress(AddressLines):
    """A party's address: with its legal type (OECD301-305) and its country subentity."""

    legal_address_type: Mapped[str | None] = mapped_column(String, sort_order=2)
    country_subentity: Mapped[str | None] = mapped_column(String, sort_order=9)
