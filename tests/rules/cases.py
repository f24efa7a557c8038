"""One pair of record streams per code: one that breaks the rule, and a near-identical one that does not.

The passing stream of every pair is a valid file: the engine finds nothing in it at all, so each pair
shows that its code comes from the one change that tells the two apart.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import Any

from exchange.records import TIN, DocSpec, FIRole, MessageHeader, Party, PoolReport, Record
from exchange.settings import Environment
from exchange.states import DocState, RecordKind
from exchange.validation.rules import MemoryHistory, ReceiverProfile
from tests.formats import cbc_documents as cbc
from tests.formats import dpi_documents as dpi
from tests.rules.builders import (
    HOME,
    ISIN,
    PERIOD,
    RECEIVER,
    SENDER,
    account_report,
    controlling_person,
    header,
    organisation,
    person,
    reporting_fi,
    v3_report,
)

OLD_FI = "LU2024BE-FI0"
OLD_AR = "LU2024BE-AR0"
OLD_AR2 = "LU2024BE-AR9"


@dataclass
class Scenario:
    records: tuple[Record, ...]
    header: MessageHeader = field(default_factory=header)
    receiver: ReceiverProfile = RECEIVER
    history: MemoryHistory = field(default_factory=MemoryHistory)
    sender: str | None = None  # the packet's authenticated sender; None for a file alone


@dataclass(frozen=True)
class Case:
    code: int
    failing: Scenario
    passing: Scenario
    name: str = ""

    @property
    def id(self) -> str:
        return f"{self.code}-{self.name}" if self.name else str(self.code)


def _file(*records: Record, fi: Record | None = None) -> tuple[Record, ...]:
    return (fi or reporting_fi(), *(records or (account_report(),)))


def _known(
    *ids: str, state: DocState = DocState.CURRENT, period: date = PERIOD, history: MemoryHistory | None = None
) -> MemoryHistory:
    """A store holding these DocRefIds of the sender (OLD_FI is a ReportingFI, the rest AccountReports)."""
    history = history or MemoryHistory()
    for doc_ref_id in ids:
        kind = RecordKind.REPORTING_FI if doc_ref_id == OLD_FI else RecordKind.ACCOUNT_REPORT
        history.add_doc(SENDER, doc_ref_id, kind, state, reporting_period=period)
    return history


def _used(message_ref_id: str) -> MemoryHistory:
    history = MemoryHistory()
    history.add_message(SENDER, message_ref_id, file_id=7)
    return history


def _correction(corr: str | None = OLD_AR, doc_ref_id: str = "LU2025BE-AR5", indic: str = "OECD2") -> Record:
    return account_report(doc_ref_id, indic, corr=corr)


def _corrections(*records: Record, history: MemoryHistory, fi: Record | None = None) -> Scenario:
    """A CRS702 message: its ReportingFI new (allowed in a correction message), then the records."""
    return Scenario(_file(*records, fi=fi), header("CRS702"), history=history)


def _v3(*reports: Record) -> Scenario:
    return Scenario(_file(*reports), header(version="3.0"))


def _test_data(indic: str) -> tuple[Record, ...]:
    return _file(account_report("LU2025BE-AR1", indic), fi=reporting_fi(indic=indic))


def _pool(count: int = 3, indic: str = "OECD1") -> PoolReport:
    return PoolReport(DocSpec(indic, "LU2025BE-PR1"), count, "FATCA201", Decimal("900.00"), "EUR", line=40)


def _fatca(*records: Record) -> Scenario:
    """A FATCA file: its ReportingFI, then the records."""
    return Scenario((reporting_fi(indic="FATCA1"), *records), header(None, format_name="fatca"))


def _unreadable_birth(party: Party) -> Party:
    """The party as the extractor gives it for a BirthDate of the year 10000 (schema-valid xs:date)."""
    return replace(party, birth_date=None, birth_date_unreadable=True)


BE_ENTERPRISE = "0403019261"  # a Belgian enterprise number whose check digits hold
GIIN = "98Q96B.00000.LE.056"


def _domestic_fi(*ins: TIN, countries: tuple[str, ...] = (HOME,)) -> Record:
    """A Belgian institution as the domestic submission rules (98301-98304) want it."""
    return replace(
        reporting_fi("BE2025-FI1", countries=countries), ins=ins or (TIN(BE_ENTERPRISE, issued_by=HOME),)
    )


def _domestic(fi: Record | None = None) -> tuple[Record, ...]:
    """A Belgian institution's file about a holder resident elsewhere, as it reports to its own authority."""
    return (fi or _domestic_fi(), account_report("BE2025-AR1", holder=person(countries=("DE",))))


def _domestic_header(institution: str | None = BE_ENTERPRISE) -> MessageHeader:
    return replace(header(transmitting=HOME, message_ref_id="BE-2025-000001"), sending_company_in=institution)


NL_GIIN, LU_GIIN = "000000.00000.TA.528", "000000.00000.TA.442"


def _from_nl() -> tuple[Record, ...]:
    """A file whose identifiers are NL's though its header says LU."""
    return _file(account_report("NL2025BE-AR1"), fi=reporting_fi("NL2025BE-FI1"))


def _ides(sending_company_in: str | None) -> Scenario:
    fatca = _fatca(account_report("LU2025BE-AR1", "FATCA1"))
    return replace(fatca, header=replace(fatca.header, sending_company_in=sending_company_in), sender=LU_GIIN)


TEST_RECEIVER = ReceiverProfile(HOME, Environment.TEST)
CRS103 = organisation("CRS103")

CASES: list[Case] = [
    Case(
        50004,
        Scenario(_from_nl(), header(message_ref_id="NL2025BE000001"), sender="NL"),
        Scenario(_file(), sender=SENDER),
    ),
    Case(50004, _ides(NL_GIIN), _ides(LU_GIIN), name="ides"),
    Case(50004, _ides(None), _ides(LU_GIIN.lower()), name="ides-unnamed"),
    Case(
        50008,
        Scenario(_file(), header(message_ref_id="LU2024BE000001")),
        Scenario(_file(), header(message_ref_id="LU2025BE000001")),
    ),
    Case(
        50008,
        Scenario(_file(), header(message_ref_id="LU-2025-000001")),
        Scenario(_domestic(), _domestic_header()),
        name="not-for-a-domestic-file",
    ),
    Case(
        50009,
        Scenario(_file(), history=_used("LU2025BE000001")),
        Scenario(_file(), history=_used("LU2024BE1")),
    ),
    Case(50010, Scenario(_test_data("OECD11")), Scenario(_test_data("OECD1"))),
    Case(
        50011,
        Scenario(_test_data("OECD1"), receiver=TEST_RECEIVER),
        Scenario(_test_data("OECD11"), receiver=TEST_RECEIVER),
    ),
    Case(
        50012,
        Scenario(_file(), receiver=ReceiverProfile("NL")),
        Scenario(_file(), receiver=ReceiverProfile(HOME)),
    ),
    Case(
        60000,
        Scenario(_file(account_report(number="BE71096123456768"))),
        Scenario(_file(account_report(number="BE71096123456769"))),
    ),
    Case(
        60000,
        Scenario(_file(account_report(number="BE71 0961 2345 6769"))),
        Scenario(_file(account_report(number="BE71096123456769"))),
        name="printed-in-groups",
    ),
    Case(
        60001,
        Scenario(_file(account_report(number="US0378331006", number_type="OECD603"))),
        Scenario(_file(account_report(number=ISIN, number_type="OECD603"))),
    ),
    Case(
        60002,
        Scenario(_file(account_report(balance="-0.01"))),
        Scenario(_file(account_report(balance="0.00"))),
    ),
    Case(
        60003,
        Scenario(_file(account_report(balance="100.00", closed=True))),
        Scenario(_file(account_report(balance="0.00", closed=True))),
    ),
    Case(
        60004,
        Scenario(_file(account_report(holder=person(name_type="OECD201")))),
        Scenario(_file(account_report(holder=person(name_type="OECD202")))),
    ),
    Case(
        60004,
        Scenario(_file(fi=reporting_fi(name_type="OECD201"))),
        Scenario(_file(fi=reporting_fi(name_type="OECD207"))),
        name="reporting-fi",
    ),
    Case(
        60005,
        Scenario(_file(account_report(holder=CRS103, controlling_persons=(controlling_person(),)))),
        Scenario(_file(account_report(holder=CRS103))),
    ),
    Case(
        60006,
        Scenario(_file(account_report(holder=organisation("CRS101")))),
        Scenario(
            _file(account_report(holder=organisation("CRS101"), controlling_persons=(controlling_person(),)))
        ),
    ),
    Case(
        60007,
        Scenario(_file(account_report(), account_report("LU2025BE-AR2", group=1))),
        Scenario(_file(account_report(), account_report("LU2025BE-AR2", group=0))),
    ),
    Case(
        60008,
        Scenario(_file(reporting_fi("LU2025BE-SP1", role=FIRole.SPONSOR), account_report())),
        Scenario(_file(account_report())),
    ),
    Case(
        60009,
        Scenario(_file(reporting_fi("LU2025BE-IM1", role=FIRole.INTERMEDIARY), account_report())),
        Scenario(_file(account_report())),
    ),
    Case(60010, Scenario(_file(account_report(), _pool())), Scenario(_file(account_report()))),
    Case(
        60011,
        Scenario(_file(account_report(holder=person(countries=("NL",))))),
        Scenario(_file(account_report(holder=person(countries=("NL", HOME))))),
    ),
    Case(
        60011,
        Scenario(
            _file(
                account_report(
                    holder=organisation("CRS101", countries=(HOME,)),
                    controlling_persons=(controlling_person(countries=("NL",)),),
                )
            )
        ),
        Scenario(
            _file(
                account_report(
                    holder=organisation("CRS101", countries=(HOME,)),
                    controlling_persons=(controlling_person(countries=(HOME,)),),
                )
            )
        ),
        name="controlling-person",
    ),
    Case(
        60012,
        Scenario(_file(account_report(holder=organisation("CRS103", countries=("NL",))))),
        Scenario(_file(account_report(holder=organisation("CRS103", countries=("NL", HOME))))),
    ),
    Case(
        60012,
        Scenario(_file(account_report(holder=organisation("CRS102", countries=("NL",))))),
        Scenario(_file(account_report(holder=organisation("CRS102", countries=(HOME,))))),
        name="any-holder-type",
    ),
    Case(
        60012,
        Scenario(
            _file(
                account_report(
                    holder=organisation("CRS101", countries=("NL",)),
                    controlling_persons=(controlling_person(countries=(HOME,)),),
                ),
                account_report(
                    "LU2025BE-AR2",
                    holder=organisation("CRS101", countries=("NL",)),
                    controlling_persons=(controlling_person(countries=("NL", HOME)),),
                ),
                account_report("LU2025BE-AR3", holder=organisation("CRS102", countries=("NL",))),
            )
        ),
        Scenario(
            _file(
                account_report(
                    holder=organisation("CRS101", countries=("NL",)),
                    controlling_persons=(controlling_person(countries=(HOME,)),),
                ),
                account_report(
                    "LU2025BE-AR2",
                    holder=organisation("CRS101", countries=("NL",)),
                    controlling_persons=(controlling_person(countries=("NL", HOME)),),
                ),
            )
        ),
        name="a-controlling-person-suffices",
    ),
    Case(
        60013,
        Scenario(_file(fi=reporting_fi(countries=("NL",)))),
        Scenario(_file(fi=reporting_fi(countries=(SENDER,)))),
    ),
    Case(
        60013,
        Scenario(_file(fi=reporting_fi(countries=()))),
        Scenario(_file(fi=reporting_fi(countries=(SENDER,)))),
        name="missing",
    ),
    Case(
        60014,
        Scenario(_file(account_report(holder=person(born=date(1899, 12, 31))))),
        Scenario(_file(account_report(holder=person(born=date(1900, 1, 1))))),
    ),
    Case(
        60014,
        Scenario(
            _file(
                account_report(
                    holder=organisation("CRS101"),
                    controlling_persons=(controlling_person(born=date(2027, 1, 1)),),
                )
            )
        ),
        Scenario(
            _file(
                account_report(
                    holder=organisation("CRS101"),
                    controlling_persons=(controlling_person(born=date(2026, 12, 31)),),
                )
            )
        ),
        name="future",
    ),
    Case(
        60014,
        Scenario(_file(account_report(holder=_unreadable_birth(person())))),
        Scenario(_file(account_report(holder=person(born=None)))),
        name="no-calendar-date",
    ),
    Case(
        60015,
        Scenario((reporting_fi(),), header("CRS702")),
        Scenario(
            (reporting_fi("LU2025BE-FI1", "OECD2", corr=OLD_FI),), header("CRS702"), history=_known(OLD_FI)
        ),
    ),
    Case(
        60015,
        Scenario((reporting_fi(),), header("CRS701")),
        Scenario((reporting_fi(),), header("CRS703")),
        name="nil-report",
    ),
    Case(
        60016,
        Scenario(_file(account_report(controlling_persons=(controlling_person(),)))),
        Scenario(_file(account_report())),
    ),
    Case(
        60017,
        _v3(v3_report("CRS1102", number_type="OECD606", number="EMONEY-1")),
        _v3(v3_report("CRS1101", number_type="OECD606", number="EMONEY-1")),
    ),
    Case(60018, _v3(v3_report("CRS1102")), _v3(v3_report("CRS1101"))),
    Case(
        60019,
        _v3(
            v3_report(
                "CRS1102",
                number_type="OECD605",
                number="POL-1",
                payments=("CRS503",),
                equity_interest_types=("CRS401",),
            )
        ),
        _v3(
            v3_report(
                "CRS1104",
                number_type="OECD605",
                number="POL-1",
                payments=("CRS503",),
                equity_interest_types=("CRS401",),
            )
        ),
    ),
    Case(
        60020,
        _v3(v3_report("CRS1103", number_type="OECD604", number="POL-1", payments=("CRS504",))),
        _v3(v3_report("CRS1103", number_type="OECD605", number="POL-1", payments=("CRS504",))),
    ),
    Case(
        60021,
        _v3(v3_report("CRS1101", payments=("CRS502", "CRS501"))),
        _v3(v3_report("CRS1101", payments=("CRS502",))),
    ),
    Case(
        60022,
        _v3(v3_report("CRS1104", number_type="OECD605", number="POL-1", payments=("CRS501",))),
        _v3(v3_report("CRS1104", number_type="OECD605", number="POL-1", payments=("CRS503",))),
    ),
    Case(
        60023,
        _v3(v3_report("CRS1103", number_type="OECD605", number="POL-1", payments=("CRS502",))),
        _v3(v3_report("CRS1103", number_type="OECD605", number="POL-1", payments=("CRS504",))),
    ),
    Case(
        80000,
        Scenario(_file(account_report("LU2025BE-AR1"), account_report("LU2025BE-AR1"))),
        Scenario(_file(account_report("LU2025BE-AR1"), account_report("LU2025BE-AR2"))),
        name="in-file",
    ),
    Case(
        80000,
        Scenario(
            _file(account_report("LU2025BE-AR1")), history=_known("LU2025BE-AR1", state=DocState.DELETED)
        ),
        Scenario(_file(account_report("LU2025BE-AR1")), history=_known("LU2025BE-AR2")),
        name="earlier-file",
    ),
    Case(80001, Scenario(_file(account_report("BE2025-AR1"))), Scenario(_file(account_report("LU2025-AR1")))),
    Case(
        80002,
        _corrections(_correction(OLD_AR), history=_known(OLD_AR2)),
        _corrections(_correction(OLD_AR), history=_known(OLD_AR)),
    ),
    Case(
        80002,
        _corrections(_correction(OLD_FI), history=_known(OLD_FI)),
        _corrections(_correction(OLD_AR), history=_known(OLD_FI, OLD_AR)),
        name="other-kind",
    ),
    Case(
        80003,
        _corrections(_correction(OLD_AR), history=_known(OLD_AR, state=DocState.SUPERSEDED)),
        _corrections(_correction(OLD_AR), history=_known(OLD_AR)),
    ),
    Case(
        80004,
        Scenario(_file(account_report(corr="LU2024BE-AR0"))),
        Scenario(_file(account_report(corr=None))),
    ),
    Case(
        80005,
        _corrections(_correction(None), history=_known(OLD_AR)),
        _corrections(_correction(OLD_AR), history=_known(OLD_AR)),
    ),
    Case(
        80006,
        Scenario(
            _file(replace(account_report(), doc_spec=DocSpec("OECD1", "LU2025BE-AR1", None, "LU2024BE1")))
        ),
        Scenario(_file(replace(account_report(), doc_spec=DocSpec("OECD1", "LU2025BE-AR1", None, None)))),
    ),
    Case(
        80007,
        Scenario(_file(), header(corr_message_ref_ids=("LU2024BE000001",))),
        Scenario(_file(), header(corr_message_ref_ids=())),
    ),
    Case(
        80008,
        Scenario(_file(account_report(OLD_AR, "OECD0")), history=_known(OLD_AR)),
        Scenario(_file(account_report(), fi=reporting_fi(OLD_FI, "OECD0")), history=_known(OLD_FI)),
    ),
    Case(
        80009,
        _corrections(
            _correction(OLD_AR, indic="OECD2"),
            fi=reporting_fi("LU2025BE-FI3", "OECD3", corr=OLD_FI),
            history=_known(OLD_FI, OLD_AR),
        ),
        _corrections(
            _correction(OLD_AR, indic="OECD3"),
            fi=reporting_fi("LU2025BE-FI3", "OECD3", corr=OLD_FI),
            history=_known(OLD_FI, OLD_AR),
        ),
    ),
    Case(
        80010,
        Scenario(_file(account_report(), _correction(OLD_AR)), header("CRS701"), history=_known(OLD_AR)),
        Scenario(
            _file(account_report(), account_report("LU2025BE-AR2")), header("CRS701"), history=_known(OLD_AR)
        ),
    ),
    Case(
        80010,
        _corrections(account_report("LU2025BE-AR1"), history=_known(OLD_AR)),
        _corrections(_correction(OLD_AR), history=_known(OLD_AR)),
        name="new-in-corrections",
    ),
    Case(
        80011,
        _corrections(
            _correction(OLD_AR, "LU2025BE-AR5"),
            _correction(OLD_AR, "LU2025BE-AR6"),
            history=_known(OLD_AR, OLD_AR2),
        ),
        _corrections(
            _correction(OLD_AR, "LU2025BE-AR5"),
            _correction(OLD_AR2, "LU2025BE-AR6"),
            history=_known(OLD_AR, OLD_AR2),
        ),
    ),
    Case(
        80012,
        _corrections(_correction(OLD_AR), history=_known(OLD_AR, period=date(2024, 12, 31))),
        _corrections(_correction(OLD_AR), history=_known(OLD_AR, period=PERIOD)),
    ),
    Case(
        80013,
        _corrections(_correction(OLD_AR), fi=reporting_fi(OLD_FI, "OECD0"), history=_known(OLD_AR)),
        _corrections(_correction(OLD_AR), fi=reporting_fi(OLD_FI, "OECD0"), history=_known(OLD_AR, OLD_FI)),
    ),
    Case(
        80014,
        _corrections(
            _correction(OLD_AR),
            fi=reporting_fi(OLD_FI, "OECD0"),
            history=_known(OLD_FI, state=DocState.DELETED, history=_known(OLD_AR)),
        ),
        _corrections(_correction(OLD_AR), fi=reporting_fi(OLD_FI, "OECD0"), history=_known(OLD_FI, OLD_AR)),
    ),
    Case(80015, Scenario((), header("CRS701")), Scenario((), header("CRS703"))),
    Case(
        98001,
        _fatca(_pool(-5, "FATCA1")),
        _fatca(_pool(3, "FATCA1")),
    ),
    Case(
        98001,
        _fatca(_pool(0, "FATCA1")),
        _fatca(_pool(1, "FATCA1")),
        name="empty-pool",
    ),
    Case(
        98002,
        _fatca(account_report("LU2025BE-AR1", "FATCA1", holder=_unreadable_birth(person()))),
        _fatca(account_report("LU2025BE-AR1", "FATCA1", holder=person(born=None))),
    ),
]


# ---------------------------------------------------------------------------------------- DPI v1.0


def _dpi(*records: Record, indic: str = "DPI401", platform: Record | None = None) -> Scenario:
    return Scenario((platform or dpi.operator(), *records), dpi.header(indic=indic))


def _seller_tins(*tins: TIN) -> Record:
    seller = dpi.individual_seller()
    assert seller.identity is not None
    return replace(seller, identity=replace(seller.identity, tins=tins))


def _listing(**changes: Any) -> Record:
    seller = dpi.individual_seller()
    (listing,) = seller.listings
    return replace(seller, listings=(replace(listing, **changes),))


def _born(day: date) -> Record:
    seller = dpi.individual_seller()
    assert seller.identity is not None
    return replace(seller, identity=replace(seller.identity, birth_date=day))


CASES += [
    Case(98101, _dpi(_seller_tins(TIN(""))), _dpi(_seller_tins(TIN("", unknown=True)))),
    Case(
        98101,
        _dpi(platform=replace(dpi.operator(), ins=(TIN(""),))),
        _dpi(platform=replace(dpi.operator(), ins=(TIN("", unknown=True),))),
        name="operator",
    ),
    Case(98102, _dpi(replace(dpi.entity_seller(), nexus="RPONEX2")), _dpi(dpi.entity_seller())),
    Case(
        98103,
        _dpi(_listing(other_property_type="Boat")),
        _dpi(_listing(property_type="DPI910", other_property_type="Boat")),
    ),
    Case(98104, _dpi(dpi.individual_seller(), indic="DPI403"), _dpi(indic="DPI403")),
    Case(98105, _dpi(_listing(rented_days=366)), _dpi(_listing(rented_days=365))),
    Case(98106, _dpi(_born(date(1899, 12, 31))), _dpi(_born(date(1900, 1, 1)))),
    Case(
        98107,
        _dpi(platform=replace(dpi.operator(), assumed_reporting=None)),
        _dpi(platform=replace(dpi.operator(), assumed_reporting=True)),
    ),
]


# ---------------------------------------------------------------------------------------- CbC v2.0


def _cbc(*records: Record, entity: Record | None = None) -> Scenario:
    return Scenario((entity or cbc.entity(), *(records or (cbc.report(),))), cbc.header())


def _cbc_summary(**changes: Any) -> Record:
    report = cbc.report()
    return replace(report, summary=replace(report.summary, **changes))


CASES += [
    Case(
        98201,
        _cbc(_cbc_summary(revenues_total=Decimal(1))),
        _cbc(_cbc_summary(revenues_related=Decimal(2_000_000))),
    ),
    Case(
        98202,
        _cbc(_cbc_summary(currencies=("EUR",) * 8 + ("USD",))),
        _cbc(_cbc_summary(currencies=("USD",) * 9)),
    ),
    Case(98203, _cbc(_cbc_summary(employees=-1)), _cbc(_cbc_summary(employees=0))),
    Case(
        98204,
        _cbc(entity=replace(cbc.entity(), period_end=date(2024, 12, 31))),
        _cbc(entity=replace(cbc.entity(), period_end=date(2025, 1, 1))),
    ),
    Case(
        50012,
        Scenario((cbc.entity(), cbc.report()), replace(cbc.header(), receiving_countries=("NL", "FR"))),
        Scenario((cbc.entity(), cbc.report()), replace(cbc.header(), receiving_countries=("NL", "BE"))),
        name="cbc-several-receivers",
    ),
]

# ------------------------------------------------------------------ domestic submissions (98301-98304)

CASES += [
    Case(98301, Scenario(_domestic(), _domestic_header(None)), Scenario(_domestic(), _domestic_header())),
    Case(
        98302,
        Scenario(_domestic(_domestic_fi(TIN("B000001", issued_by="LU"))), _domestic_header()),
        Scenario(_domestic(_domestic_fi(TIN(GIIN, issued_by="US", in_type="GIIN"))), _domestic_header()),
    ),
    Case(
        98303,
        Scenario(
            _domestic(_domestic_fi(TIN(BE_ENTERPRISE, issued_by=HOME), TIN("98Q96B-00000", in_type="GIIN"))),
            _domestic_header(),
        ),
        Scenario(
            _domestic(_domestic_fi(TIN(BE_ENTERPRISE, issued_by=HOME), TIN(GIIN, in_type="GIIN"))),
            _domestic_header(),
        ),
    ),
    Case(
        98304,
        Scenario(_domestic(_domestic_fi(TIN("0403019262", issued_by=HOME))), _domestic_header()),
        Scenario(_domestic(_domestic_fi(TIN("BE 0403.019.261", issued_by=HOME))), _domestic_header()),
    ),
]
