"""What the demo's partner authorities send Belgium: realistic files, a few defective ones, corrections.

Each sending country's banks report the Belgian residents' accounts they hold (the synthetic population's
ground truth, with the noise real files carry). Besides the good files, the round holds what an operator
meets in practice: a file with record errors, a file that fails its schema, a packet signed by the wrong
authority; a later round corrects and deletes some of the records already received.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from decimal import Decimal

from exchange.demo.platforms import PlatformFile, platform_files
from exchange.records import AccountReport, DocSpec, MessageHeader
from exchange.registry.synthetic.population import Institution, Population
from exchange.registry.synthetic.reports import SyntheticReport, generate_reports, reporting_fi
from exchange.states import Outcome
from exchange.writers.crs import crs_bytes

# Good files carry the noise of real ones (a mistyped birth year, say), which can make a record error now
# and then: such a file is still accepted, with those records refused.
GOOD: tuple[Outcome, ...] = (Outcome.ACCEPTED, Outcome.ACCEPTED_WITH_ERRORS)
WITH_ERRORS: tuple[Outcome, ...] = (Outcome.ACCEPTED_WITH_ERRORS,)
REFUSED: tuple[Outcome, ...] = (Outcome.REJECTED,)


@dataclass(frozen=True)
class DemoFile:
    """One file a partner sends, and what the demo expects to become of it."""

    sender: str
    label: str
    document: bytes
    reports: tuple[AccountReport, ...]
    expected: tuple[Outcome, ...]  # the verdicts it may get
    institution: Institution
    signer: str | None = None  # another authority's key signs it (a forged packet), if set
    communication_type: str = "CRS"


@dataclass(frozen=True)
class Round:
    """Files sent together; a round starts once the one before it is answered (corrections come after)."""

    number: int
    title: str
    purpose: str  # what the round shows, in one sentence for the demo's reader
    files: list[DemoFile]

    def by_sender(self, senders: Sequence[str]) -> list[tuple[str, list[DemoFile]]]:
        """The round's files per sender, senders in the given order, each sender's files in sending order."""
        return [(sender, [f for f in self.files if f.sender == sender]) for sender in senders]


FIRST_ROUND = (
    "each bank's accounts, one bank's file with negative balances (record errors), "
    "a malformed file, a packet signed by the other authority; each country's platform's DPI sellers, "
    "a malformed DPI file, a group's CbC report"
)
CORRECTION_ROUND = (
    "once round 1 is answered, the banks correct balances (OECD2) and delete accounts (OECD3) they sent "
    "in it, and the Dutch platform corrects a seller"
)


@dataclass
class Scenario:
    home: str
    year: int
    rounds: list[Round]
    truth: dict[str, SyntheticReport]  # DocRefId -> the report with its ground truth

    @property
    def files(self) -> list[DemoFile]:
        return [file for round_ in self.rounds for file in round_.files]


def _header(sender: str, home: str, year: int, number: int, indic: str = "CRS701") -> MessageHeader:
    return MessageHeader(
        message_type="CRS",
        transmitting_country=sender,
        receiving_country=home,
        message_ref_id=f"{sender}{year}{home}{number:08d}",
        reporting_period=date(year, 12, 31),
        timestamp=datetime.now(UTC).replace(tzinfo=None, microsecond=0),
        message_type_indic=indic,
    )


def _fi_doc_ref(institution: Institution, year: int, home: str, round_number: int) -> str:
    return f"{institution.country}{year}{home}-FI-{institution.bank_code}-{round_number}"


def _by_institution(reports: Iterable[SyntheticReport]) -> dict[Institution, list[SyntheticReport]]:
    grouped: dict[Institution, list[SyntheticReport]] = defaultdict(list)
    for report in reports:
        grouped[report.institution].append(report)
    return grouped


@dataclass(frozen=True)
class _Sending:
    """Who sends, to whom, for which year, and the running number of its messages."""

    sender: str
    home: str
    year: int
    number: int = 0

    def next(self) -> _Sending:
        return replace(self, number=self.number + 1)


def _file(
    sending: _Sending,
    institution: Institution,
    reports: Sequence[AccountReport],
    *,
    label: str,
    expected: tuple[Outcome, ...],
    indic: str = "CRS701",
    round_number: int = 1,
    signer: str | None = None,
) -> DemoFile:
    home, year = sending.home, sending.year
    fi = reporting_fi(institution, _fi_doc_ref(institution, year, home, round_number))
    if round_number > 1:  # the institution itself is unchanged: resent, not new
        fi = replace(fi, doc_spec=DocSpec("OECD0", _fi_doc_ref(institution, year, home, 1)))
    document = crs_bytes(_header(sending.sender, home, year, sending.number, indic), fi, reports)
    return DemoFile(sending.sender, label, document, tuple(reports), expected, institution, signer)


def first_round(
    population: Population, senders: Sequence[str], seed: int
) -> tuple[list[DemoFile], dict[str, SyntheticReport]]:
    files: list[DemoFile] = []
    truth: dict[str, SyntheticReport] = {}
    for sender_index, sender in enumerate(senders):
        sending = _Sending(sender, population.home, population.year)
        synthetic = generate_reports(population, sender, seed)
        truth.update({r.report.doc_spec.doc_ref_id: r for r in synthetic})
        banks = _by_institution(synthetic)
        for position, (institution, group) in enumerate(banks.items()):
            sending = sending.next()
            reports = [r.report for r in group]
            label, expected = f"{institution.name}: new data", GOOD
            if position == 1:  # a bank that sends negative balances: record errors, the rest accepted
                reports = [_negative(r) if i % 5 == 0 else r for i, r in enumerate(reports)]
                label = f"{institution.name}: new data with record errors"
                expected = WITH_ERRORS
            files.append(_file(sending, institution, reports, label=label, expected=expected))
        first = next(iter(banks))
        sending = sending.next()
        broken = _file(sending, first, [], label=f"{first.name}: malformed file", expected=REFUSED)
        files.append(replace(broken, document=broken.document.replace(b">CRS701<", b">CRS799<")))
        forger = senders[(sender_index + 1) % len(senders)]
        if forger != sender:
            sending = sending.next()
            label = f"{first.name}: packet signed by {forger}, not {sender}"
            files.append(_file(sending, first, [], label=label, expected=REFUSED, signer=forger))
    return files, truth


def correction_round(first: Sequence[DemoFile], population: Population) -> list[DemoFile]:
    """Each sender corrects a balance in some accepted reports and deletes a few others (CRS702)."""
    files: list[DemoFile] = []
    sendings = {
        sender: _Sending(sender, population.home, population.year, 900)
        for sender in {f.sender for f in first}
    }
    for original in first:
        if original.expected != GOOD or original.signer or not original.reports:
            continue
        corrected = [_corrected(r) for r in original.reports[:3]]
        deleted = [_deleted(r) for r in original.reports[3:5]]
        sending = sendings[original.sender] = sendings[original.sender].next()
        label = f"{original.institution.name}: corrections and deletions"
        files.append(
            _file(
                sending,
                original.institution,
                corrected + deleted,
                label=label,
                expected=GOOD,
                indic="CRS702",
                round_number=2,
            )
        )
    return files


def _negative(report: AccountReport) -> AccountReport:
    return replace(report, balance=-abs(report.balance) - Decimal("1.00"))


def _corrected(report: AccountReport) -> AccountReport:
    spec = report.doc_spec
    return replace(
        report,
        doc_spec=DocSpec("OECD2", f"{spec.doc_ref_id}-C1", corr_doc_ref_id=spec.doc_ref_id),
        balance=(report.balance * Decimal("1.10")).quantize(Decimal("0.01")),
    )


def _deleted(report: AccountReport) -> AccountReport:
    spec = report.doc_spec
    return replace(
        report, doc_spec=DocSpec("OECD3", f"{spec.doc_ref_id}-D1", corr_doc_ref_id=spec.doc_ref_id)
    )


def _demo_file(file: PlatformFile) -> DemoFile:
    expected = REFUSED if file.refused else GOOD
    return DemoFile(
        file.sender, file.label, file.document, (), expected, file.institution, None, file.communication_type
    )


def build_scenario(population: Population, senders: Sequence[str], seed: int) -> Scenario:
    first, truth = first_round(population, senders, seed)
    platforms_first, platforms_second = platform_files(population, seed)
    rounds = [
        Round(1, "first reports", FIRST_ROUND, first + [_demo_file(f) for f in platforms_first]),
        Round(
            2,
            "corrections",
            CORRECTION_ROUND,
            correction_round(first, population) + [_demo_file(f) for f in platforms_second],
        ),
    ]
    return Scenario(population.home, population.year, rounds, truth)
