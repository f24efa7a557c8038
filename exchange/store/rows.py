"""Records flattened into the rows of the bulk tables, buffered per table until the batch is written."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from exchange.records import (
    AccountReport,
    ActivityFigures,
    Address,
    CbcAdditionalInfo,
    CbcReport,
    ConstituentEntity,
    Name,
    OtherPlatformOperator,
    Party,
    PartyKind,
    PoolReport,
    ReportableSeller,
    ReportingFI,
)
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
    "dpi_platform_operator": (
        "reporting_fi_id", "file_id", "vat", "nexus", "assumed_reporting", "business_names",
    ),
    "dpi_other_operator": (
        "id", "file_id", "doc_record_id", "reporting_fi_id", "role", "name", "tins", "res_country_codes",
        "country_code", "address_free", "city",
    ),
    "dpi_seller": (
        "id", "file_id", "doc_record_id", "reporting_fi_id", "kind", "full_name", "first_name",
        "middle_names", "last_name", "birth_date", "birth_city", "birth_country_code", "nationalities",
        "res_country_codes",
        "vat", "nexus", "business_names", "permanent_establishments", "financial_identifiers",
        "gvs_jurisdiction", "gvs_reference", "gvs_other_tin",
    ),
    "dpi_seller_identifier": ("seller_id", "position", "value", "issued_by", "in_type", "unknown"),
    "dpi_seller_address": (
        "seller_id", "position", "country_code", "legal_address_type", "address_free", "street",
        "building_identifier", "post_code", "city", "country_subentity",
    ),
    "dpi_property_listing": (
        "seller_id", "position", "country_code", "address_free", "street", "building_identifier", "post_code",
        "city", "land_registration_number", "property_type", "other_property_type", "rented_days",
    ),
    "dpi_activity": (
        "seller_id", "position", "quarter", "activity", "listing_position", "consideration",
        "consideration_currency", "fees", "fees_currency", "taxes", "taxes_currency", "activities",
    ),
    "cbc_reporting_entity": (
        "reporting_fi_id", "file_id", "mne_group_name", "reporting_role", "period_start", "period_end",
    ),
    "cbc_report": (
        "id", "file_id", "doc_record_id", "reporting_fi_id", "res_country_code", "currency",
        "revenues_unrelated", "revenues_related", "revenues_total", "profit_or_loss", "tax_paid",
        "tax_accrued", "capital", "earnings", "assets", "employees",
    ),
    "cbc_constituent_entity": (
        "report_id", "position", "name", "tin", "tin_issued_by", "identifiers", "res_country_codes",
        "incorp_country_code", "role", "biz_activities", "country_code", "city", "address_free",
        "other_entity_info",
    ),
    "cbc_additional_info": (
        "id", "file_id", "doc_record_id", "reporting_fi_id", "other_info", "res_country_codes",
        "summary_refs",
    ),
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
        if fi.element == "PlatformOperator":
            self._rows["dpi_platform_operator"].append(
                (
                    fi_id, self._file_id, fi.vat, fi.nexus, fi.assumed_reporting,
                    encode_codes(fi.platform_business_names),
                )
            )  # fmt: skip
        if fi.element == "ReportingEntity":
            self._rows["cbc_reporting_entity"].append(
                (
                    fi_id, self._file_id, fi.mne_group_name, fi.reporting_role,
                    self._writer.day(fi.period_start), self._writer.day(fi.period_end),
                )
            )  # fmt: skip
        return fi_id

    def add_cbc_report(self, report: CbcReport, doc_record_id: int, reporting_fi_id: int | None) -> None:
        report_id = self._ids.next("cbc_report")
        summary, amount = report.summary, self._writer.amount
        figures = (
            summary.revenues_unrelated, summary.revenues_related, summary.revenues_total,
            summary.profit_or_loss, summary.tax_paid, summary.tax_accrued, summary.capital, summary.earnings,
            summary.assets,
        )  # fmt: skip
        self._rows["cbc_report"].append(
            (
                report_id, self._file_id, doc_record_id, reporting_fi_id, report.res_country_code,
                summary.currencies[2], *(amount(value) for value in figures), summary.employees,
            )
        )  # fmt: skip
        rows = self._rows["cbc_constituent_entity"]
        for position, entity in enumerate(report.entities):
            rows.append(_constituent_row(report_id, position, entity))

    def add_cbc_info(self, info: CbcAdditionalInfo, doc_record_id: int, reporting_fi_id: int | None) -> None:
        self._rows["cbc_additional_info"].append(
            (
                self._ids.next("cbc_additional_info"), self._file_id, doc_record_id, reporting_fi_id,
                encode_codes(info.other_info), encode_codes(info.res_country_codes),
                encode_codes(info.summary_refs),
            )
        )  # fmt: skip

    def add_other_operator(
        self, operator: OtherPlatformOperator, doc_record_id: int, reporting_fi_id: int | None
    ) -> None:
        where = operator.address
        city = where.fix.city if where is not None and where.fix is not None else None
        self._rows["dpi_other_operator"].append(
            (
                self._ids.next("dpi_other_operator"), self._file_id, doc_record_id, reporting_fi_id,
                operator.role.value, operator.name, encode_codes([tin.value for tin in operator.tins]),
                encode_codes(operator.res_country_codes), None if where is None else where.country_code,
                None if where is None else where.free, city,
            )
        )  # fmt: skip

    def add_seller(self, seller: ReportableSeller, doc_record_id: int, reporting_fi_id: int | None) -> None:
        seller_id = self._ids.next("dpi_seller")
        self._rows["dpi_seller"].append(self._seller_row(seller, seller_id, doc_record_id, reporting_fi_id))
        if seller.identity is not None:
            identifiers = self._rows["dpi_seller_identifier"]
            for index, tin in enumerate(seller.identity.tins):
                identifiers.append((seller_id, index, tin.value, tin.issued_by, tin.in_type, tin.unknown))
            addresses = self._rows["dpi_seller_address"]
            for index, address in enumerate(seller.identity.addresses):
                key = (seller_id, index, address.country_code, address.legal_address_type)
                addresses.append((*key, *_address_parts(address)))
        listings = self._rows["dpi_property_listing"]
        for index, listing in enumerate(seller.listings):
            where = listing.address
            listings.append(
                (
                    seller_id, index, where.country_code, *_address_parts(where)[:-1],
                    listing.land_registration_number, listing.property_type, listing.other_property_type,
                    listing.rented_days,
                )
            )  # fmt: skip
            self._add_figures(seller_id, index, listing.figures, index)
        for offset, figures in enumerate(seller.activities):
            self._add_figures(seller_id, len(seller.listings) + offset, figures, None)

    def _seller_row(
        self, seller: ReportableSeller, seller_id: int, doc_record_id: int, reporting_fi_id: int | None
    ) -> Row:
        party, gvs = seller.identity, seller.verification
        person = party or Party(kind=seller.kind, names=())
        name = person.names[0] if person.names else Name(full=None if gvs is None else gvs.name)
        return (
            seller_id, self._file_id, doc_record_id, reporting_fi_id, seller.kind.value, name.full,
            name.first, encode_codes(name.middle), name.last, self._writer.day(person.birth_date),
            person.birth_city, person.birth_country_code, encode_codes(person.nationalities),
            encode_codes(person.res_country_codes),
            seller.vat, seller.nexus, encode_codes(seller.platform_business_names),
            encode_codes(seller.permanent_establishments),
            encode_codes([found.identifier for found in seller.financial_identifiers]),
            None if gvs is None else gvs.jurisdiction, None if gvs is None else gvs.reference,
            None if gvs is None else gvs.other_tin,
        )  # fmt: skip

    def _add_figures(
        self, seller_id: int, position: int, figures: ActivityFigures, listing: int | None
    ) -> None:
        rows, amount = self._rows["dpi_activity"], self._writer.amount
        paid, fees, taxes = figures.consideration, figures.fees, figures.taxes
        for quarter in range(4):
            rows.append(
                (
                    seller_id, position, quarter + 1, figures.activity.value, listing,
                    amount(paid.amounts[quarter]), paid.currencies[quarter], amount(fees.amounts[quarter]),
                    fees.currencies[quarter], amount(taxes.amounts[quarter]), taxes.currencies[quarter],
                    figures.counts[quarter],
                )
            )  # fmt: skip

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


def _constituent_row(report_id: int, position: int, entity: ConstituentEntity) -> Row:
    party = entity.party
    tin = next((found for found in party.tins if found.in_type is None), None)
    where = party.addresses[0] if party.addresses else Address(country_code="")
    return (
        report_id, position, party.names[0].full if party.names else None,
        None if tin is None else tin.value, None if tin is None else tin.issued_by,
        encode_codes([f"{found.in_type}:{found.value}" for found in party.tins if found.in_type]),
        encode_codes(party.res_country_codes), entity.incorp_country_code, entity.role,
        encode_codes(entity.biz_activities), where.country_code or None,
        None if where.fix is None else where.fix.city, where.free, entity.other_entity_info,
    )  # fmt: skip


def _address_parts(address: Address) -> Row:
    """The address columns the DPI tables keep: free form, street, building, post code, city, country
    subentity (property listings keep all but the last)."""
    fix = address.fix
    if fix is None:
        return (address.free, None, None, None, None, None)
    return (
        address.free, fix.street, fix.building_identifier, fix.post_code, fix.city, fix.country_subentity,
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
