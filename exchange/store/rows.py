"""Records flattened into the rows of the bulk tables, buffered per table until the batch is written."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from exchange.records import AccountReport, Address, Name, Party, PartyKind, PoolReport, ReportingFI
from exchange.store.bulk import BulkWriter, Row, encode_codes
from exchange.store.chains import NewVersion
from exchange.store.ids import IdAllocator

# Column order of every bulk row; insertion order of the tables, parents first.
COLUMNS: dict[str, tuple[str, ...]] = {
    "doc_record": (
        "id", "file_id", "sender", "doc_ref_id", "kind", "doc_type_indic", "corr_doc_ref_id",
        "corr_message_ref_id", "corrects_id", "chain_id", "state",
    ),
    "reporting_fi": ("id", "file_id", "doc_record_id", "role", "doc_type_indic", "filer_category"),
    "account_report": (
        "id", "file_id", "doc_record_id", "reporting_fi_id", "sponsor_id", "intermediary_id",
        "account_number", "account_number_type", "undocumented", "closed", "dormant", "balance", "currency",
        "dd_procedure", "account_type", "joint_account",
    ),
    "pool_report": (
        "id", "file_id", "doc_record_id", "reporting_fi_id", "account_count", "pool_report_type", "balance",
        "currency",
    ),
    "party": (
        "id", "account_report_id", "reporting_fi_id", "position", "role", "kind", "acct_holder_type",
        "ctrlg_person_types", "self_cert", "equity_interest_types", "nationalities", "birth_date",
        "birth_city", "birth_city_subentity", "birth_country_code", "birth_former_country_name",
    ),
    "party_name": (
        "party_id", "position", "name_type", "full_name", "first_name", "middle_names", "last_name",
        "name_prefix", "preceding_title", "titles", "generation_identifiers", "suffixes", "general_suffix",
    ),
    "party_tin": ("party_id", "position", "value", "issued_by", "in_type"),
    "party_address": (
        "party_id", "position", "country_code", "legal_address_type", "address_free", "street",
        "building_identifier", "suite_identifier", "floor_identifier", "district_name", "pob", "post_code",
        "city", "country_subentity",
    ),
    "party_residence": ("party_id", "position", "country_code"),
    "payment": ("account_report_id", "position", "type", "amount", "currency", "description"),
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class GroupLinks:
    """The FI rows of the body and reporting group a report stands in (None when they were refused)."""

    reporting_fi_id: int | None = None
    sponsor_id: int | None = None
    intermediary_id: int | None = None


class RowBuffer:
    def __init__(self, writer: BulkWriter, ids: IdAllocator, file_id: int, sender: str) -> None:
        self._writer = writer
        self._ids = ids
        self._file_id = file_id
        self._sender = sender
        self._rows: dict[str, list[Row]] = {table: [] for table in COLUMNS}

    def write(self) -> int:
        """Insert everything buffered, parents first, and empty the buffer; returns the row count."""
        count = 0
        for table, columns in COLUMNS.items():
            rows = self._rows[table]
            self._writer.insert(table, columns, rows)
            count += len(rows)
            rows.clear()
        return count

    def add_versions(self, versions: Sequence[NewVersion]) -> None:
        rows = self._rows["doc_record"]
        for version in versions:
            entry, spec = version.entry, version.doc_spec
            rows.append(
                (
                    entry.id, self._file_id, self._sender, spec.doc_ref_id, entry.kind.value,
                    spec.doc_type_indic, spec.corr_doc_ref_id, spec.corr_message_ref_id, version.corrects_id,
                    entry.chain_id, entry.state.value,
                )
            )  # fmt: skip

    def add_reporting_fi(self, fi: ReportingFI, doc_record_id: int) -> int:
        fi_id = self._ids.next("reporting_fi")
        self._rows["reporting_fi"].append(
            (
                fi_id,
                self._file_id,
                doc_record_id,
                fi.role.value,
                fi.doc_spec.doc_type_indic,
                fi.filer_category,
            )
        )
        identity = Party(
            kind=PartyKind.ORGANISATION,
            names=fi.names,
            res_country_codes=fi.res_country_codes,
            tins=fi.ins,
            addresses=fi.addresses,
        )
        self._add_party(identity, fi.role.value, 0, account_report_id=None, reporting_fi_id=fi_id)
        return fi_id

    def add_account_report(self, report: AccountReport, doc_record_id: int, links: GroupLinks) -> None:
        report_id = self._ids.next("account_report")
        self._rows["account_report"].append(
            (
                report_id, self._file_id, doc_record_id, links.reporting_fi_id, links.sponsor_id,
                links.intermediary_id, report.account_number, report.account_number_type, report.undocumented,
                report.closed, report.dormant, self._writer.amount(report.balance), report.currency,
                report.dd_procedure, report.account_type, report.joint_account,
            )
        )  # fmt: skip
        parties = (report.holder, *report.controlling_persons)
        for position, party in enumerate(parties):
            self._add_party(
                party, party.role.value, position, account_report_id=report_id, reporting_fi_id=None
            )
        payments = self._rows["payment"]
        for position, payment in enumerate(report.payments):
            payments.append(
                (
                    report_id, position, payment.type, self._writer.amount(payment.amount), payment.currency,
                    payment.description,
                )
            )  # fmt: skip

    def add_pool_report(self, report: PoolReport, doc_record_id: int, links: GroupLinks) -> None:
        self._rows["pool_report"].append(
            (
                self._ids.next("pool_report"), self._file_id, doc_record_id, links.reporting_fi_id,
                report.account_count, report.pool_report_type, self._writer.amount(report.balance),
                report.currency,
            )
        )  # fmt: skip

    def _add_party(
        self,
        party: Party,
        role: str,
        position: int,
        *,
        account_report_id: int | None,
        reporting_fi_id: int | None,
    ) -> None:
        party_id = self._ids.next("party")
        self._rows["party"].append(
            (
                party_id, account_report_id, reporting_fi_id, position, role, party.kind.value,
                party.acct_holder_type, encode_codes(party.ctrlg_person_types), party.self_cert,
                encode_codes(party.equity_interest_types), encode_codes(party.nationalities),
                self._writer.day(party.birth_date), party.birth_city, party.birth_city_subentity,
                party.birth_country_code, party.birth_former_country_name,
            )
        )  # fmt: skip
        names = self._rows["party_name"]
        for index, name in enumerate(party.names):
            names.append(_name_row(party_id, index, name))
        tins = self._rows["party_tin"]
        for index, tin in enumerate(party.tins):
            tins.append((party_id, index, tin.value, tin.issued_by, tin.in_type))
        addresses = self._rows["party_address"]
        for index, address in enumerate(party.addresses):
            addresses.append(_address_row(party_id, index, address))
        residences = self._rows["party_residence"]
        for index, country in enumerate(party.res_country_codes):
            residences.append((party_id, index, country))


def _name_row(party_id: int, position: int, name: Name) -> Row:
    return (
        party_id, position, name.name_type, name.full, name.first, encode_codes(name.middle), name.last,
        name.name_prefix, name.preceding_title, encode_codes(name.titles),
        encode_codes(name.generation_identifiers), encode_codes(name.suffixes), name.general_suffix,
    )  # fmt: skip


def _address_row(party_id: int, position: int, address: Address) -> Row:
    fix = address.fix
    if fix is None:
        return (party_id, position, address.country_code, address.legal_address_type, address.free) + (
            None,
        ) * 9
    return (
        party_id, position, address.country_code, address.legal_address_type, address.free, fix.street,
        fix.building_identifier, fix.suite_identifier, fix.floor_identifier, fix.district_name, fix.pob,
        fix.post_code, fix.city, fix.country_subentity,
    )  # fmt: skip
