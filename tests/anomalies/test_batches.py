"""Evaluation in batches, on SQLite and PostgreSQL: a store evaluated a few scopes at a time ends with the
same flags, events, risk scores and outbox as one evaluated in a single batch, each scope is evaluated
exactly once, and the cohorts of DC03 computed in SQL are those of `cohort_of` over every holder."""

from __future__ import annotations

import hashlib
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, select, update

import exchange.anomalies.evaluate as evaluate_module
from exchange import db
from exchange.anomalies import FlagChanges, evaluate_all, evaluate_file
from exchange.anomalies.cohort import band_of, cohort_of, log_ratio
from exchange.anomalies.evaluate import SCOPES_PER_BATCH, Desired
from exchange.anomalies.facts import Cohort
from exchange.anomalies.models import Flag, FlagEventRow, TaxpayerRisk
from exchange.anomalies.registry_facts import registry_records
from exchange.anomalies.scopes import ScopeBatch
from exchange.anomalies.taxpayer_facts import cohorts_of_years, held_accounts
from exchange.reconcile.service import reconcile_file
from exchange.records import AccountReport, DocSpec, MessageHeader, Record
from exchange.registry.load import load_population
from exchange.registry.models import TaxReturn
from exchange.registry.synthetic.population import generate_population
from exchange.registry.synthetic.reports import SyntheticReport, generate_reports, reporting_fi
from exchange.settings import Settings
from exchange.store import PacketInfo, store_file
from tests.services import PostgresCluster

SMALL_BATCH = 3
Event = tuple[tuple[str, Any], ...]  # an event's fields, by name
POPULATION = generate_population(900, seed=11)
REPORTS = {sender: generate_reports(POPULATION, sender, seed=11) for sender in ("NL", "LU")}


def _settings(tmp: Path) -> Settings:
    """Thresholds low enough that every rule fires somewhere in a small world."""
    return Settings(
        data_dir=tmp,
        flag_cohort_min_size=3,
        flag_cohort_z=1.0,
        flag_many_accounts_min=2,
        flag_fi_min_records=2,
        flag_fi_amendment_share=0.1,
    )


@pytest.fixture
def twin_urls(db_url: str, request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, str]:
    """Two empty databases of the same kind."""
    if db_url.startswith("sqlite"):
        return db_url, f"sqlite:///{tmp_path / 'twin.db'}"
    cluster: PostgresCluster = request.getfixturevalue("postgres_cluster")
    return db_url, cluster.create_database(f"t_{uuid.uuid4().hex[:16]}")


@dataclass
class Run:
    """What one evaluation strategy produced, in a form that does not depend on row ids."""

    steps: list[list[Event]]
    flags: dict[str, dict[str, Any]]  # by fingerprint
    risk: dict[int, tuple[Any, ...]]
    outbox: list[tuple[str, Event]]
    scopes: list[list[str]]  # the scope keys of each batch, in evaluation order


def test_a_store_evaluated_in_small_batches_ends_as_in_one_batch(
    twin_urls: tuple[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = _settings(tmp_path)
    whole = _scenario(twin_urls[0], settings, monkeypatch, batch_size=SCOPES_PER_BATCH, keep=10_000)
    batched = _scenario(twin_urls[1], settings, monkeypatch, batch_size=SMALL_BATCH, keep=0)

    assert batched.steps == whole.steps
    assert (batched.flags, batched.risk, batched.outbox) == (whole.flags, whole.risk, whole.outbox)
    # Not a vacuous comparison: every kind of change happened, across many batches of each scope kind.
    events = Counter(dict(event)["event"] for step in whole.steps for event in step)
    assert events["raised"] > 100 and events["updated"] and events["retracted"]
    assert {flag["code"] for flag in whole.flags.values()} >= {"DC01", "DC02", "DC03", "FI01", "NF01", "SB01"}
    assert all(len(keys) <= SMALL_BATCH for keys in batched.scopes)
    kinds = Counter(keys[0].split(":")[0] for keys in batched.scopes if keys)
    assert min(kinds[kind] for kind in ("account", "taxpayer", "institution")) > 1, kinds
    # Each evaluation looked at each of its scopes once, and at the same scopes in batches as whole.
    for batches, single in zip(_by_evaluation(batched.scopes), _by_evaluation(whole.scopes), strict=True):
        flat = [key for keys in batches for key in keys]
        assert len(flat) == len(set(flat)) and set(flat) == {key for keys in single for key in keys}


def test_sql_cohorts_are_cohort_of_over_every_holder(db_engine: Engine, tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    load_population(db_engine, POPULATION)
    for sender in ("NL", "LU"):
        _send(db_engine, settings, sender, "C1", _first_file(sender))
    for edges in (settings.flag_income_bands, [Decimal(30000)], []):
        banded = settings.model_copy(update={"flag_income_bands": edges})
        with db_engine.connect() as connection:
            expected = _python_cohorts(connection, POPULATION.year, banded)
            assert cohorts_of_years(connection, {POPULATION.year}, banded) == expected
    assert sum(cohort.size for cohort in expected.values()) > 30  # `[]`: one band holds every holder
    assert {cohort.size % 2 for cohort in _python_cohorts_of(db_engine, settings).values()} == {0, 1}


def _scenario(
    url: str, settings: Settings, monkeypatch: pytest.MonkeyPatch, *, batch_size: int, keep: int
) -> Run:
    """Two partners' files, a year earlier, corrections and deletions, a registry change: each file
    evaluated as it arrives, then the whole store, then everything once more (which changes nothing)."""
    engine = db.create_db_engine(url)
    db.upgrade(engine)
    scopes: list[list[str]] = []
    with monkeypatch.context() as patch:
        patch.setattr(evaluate_module, "desired_flags", _spying(scopes))
        try:
            return _run(engine, settings, scopes, _knobs(batch_size, keep))
        finally:
            engine.dispose()


def _run(engine: Engine, settings: Settings, scopes: list[list[str]], knobs: dict[str, int]) -> Run:
    load_population(engine, POPULATION)
    steps: list[list[Event]] = []
    arrivals: list[tuple[str, str, list[Record], dict[str, Any]]] = [
        ("NL", "F1", _first_file("NL"), {}),
        ("LU", "F1", _first_file("LU"), {}),
        ("NL", "F0", _first_file("NL", year=2024), {"period": date(2024, 12, 31)}),
        ("NL", "F2", _amendments("NL"), {"indic": "CRS702"}),
    ]
    for sender, name, records, header in arrivals:
        file_id = _send(engine, settings, sender, name, records, **header)
        scopes.append([])
        steps.append(_events(engine, evaluate_file(engine, file_id, settings, **knobs)))
    _raise_incomes(engine)
    scopes.append([])
    steps.append(_events(engine, evaluate_all(engine, settings, **knobs)))
    scopes.append([])
    assert evaluate_all(engine, settings, **knobs).counts() == dict.fromkeys(
        ("raised", "updated", "retracted"), 0
    )
    return Run(steps, *_snapshot(engine), scopes=scopes)


def _knobs(batch_size: int, keep: int) -> dict[str, int]:
    return {"batch_size": batch_size, "keep_events": keep}


def _spying(scopes: list[list[str]]) -> Callable[..., Iterator[Desired]]:
    real = evaluate_module.desired_flags

    def spy(connection: Connection, batch: ScopeBatch, *args: Any) -> Iterator[Desired]:
        scopes.append(batch.keys())
        return real(connection, batch, *args)

    return spy


def _by_evaluation(scopes: list[list[str]]) -> list[list[list[str]]]:
    """The batches of each evaluation: an empty list marks where the next one starts."""
    evaluations: list[list[list[str]]] = []
    for keys in scopes:
        if not keys:
            evaluations.append([])
        else:
            evaluations[-1].append(keys)
    return evaluations


def _events(engine: Engine, changes: FlagChanges) -> list[Event]:
    """The events with their flag named by fingerprint (ids depend on the order flags were written)."""
    events = changes.events
    counted = Counter(e.event.value for e in events)
    assert changes.counts() == {name: counted[name] for name in ("raised", "updated", "retracted")}
    fingerprints = _fingerprints(engine)
    return sorted((_comparable(event.to_dict(), fingerprints) for event in events), key=repr)


def _fingerprints(engine: Engine) -> dict[int, str]:
    with engine.connect() as connection:
        return {flag_id: fp for flag_id, fp in connection.execute(select(Flag.id, Flag.fingerprint))}


def _snapshot(
    engine: Engine,
) -> tuple[dict[str, dict[str, Any]], dict[int, tuple[Any, ...]], list[tuple[str, Event]]]:
    fingerprints = _fingerprints(engine)
    when = {"id", "raised_at", "updated_at", "retracted_at"}  # row ids and times differ between runs
    columns = [column.name for column in Flag.__table__.columns if column.name not in when]
    with engine.connect() as connection:
        flags = {
            flag.fingerprint: {name: getattr(flag, name) for name in columns}
            for flag in connection.execute(select(Flag))
        }
        scores = connection.execute(select(TaxpayerRisk))
        risk = {row.taxpayer_id: (row.score, row.flags, row.max_severity) for row in scores}
        outbox = sorted(
            (
                (row.event, _comparable(row.payload, fingerprints))
                for row in connection.execute(select(FlagEventRow))
            ),
            key=repr,
        )
    return flags, risk, outbox


def _comparable(event: dict[str, Any], fingerprints: dict[int, str]) -> Event:
    """An event without what depends on the run (ids, time), its flag named by fingerprint."""
    named = {**event, "flag_id": fingerprints[event["flag_id"]]}
    return tuple(sorted((key, value) for key, value in named.items() if key not in {"event_id", "at"}))


def _python_cohorts(connection: Connection, year: int, settings: Settings) -> dict[tuple[int, str], Cohort]:
    """What the cohorts were before SQL computed them: every holder's log ratio, in Python."""
    returns = select(TaxReturn.taxpayer_id).where(TaxReturn.tax_year == year)
    ids = list(connection.execute(returns).scalars())
    held = held_accounts(connection, ids)
    registry = registry_records(connection, ids)
    values: dict[str, list[float]] = {}
    for taxpayer_id in sorted(ids):
        accounts = [a for a in held.get((taxpayer_id, year), []) if a.currency == settings.flag_currency]
        balance = sum((a.balance for a in accounts if a.balance is not None), Decimal(0))
        income = registry[taxpayer_id].returns[year].total_income
        if balance > 0:
            band = band_of(income, settings.flag_income_bands)
            values.setdefault(band, []).append(log_ratio(balance, income))
    return {(year, band): cohort_of(band, members) for band, members in values.items()}


def _python_cohorts_of(engine: Engine, settings: Settings) -> dict[tuple[int, str], Cohort]:
    with engine.connect() as connection:
        return _python_cohorts(connection, POPULATION.year, settings)


def _raise_incomes(engine: Engine) -> None:
    """A registry update: some returns declare three times the income (DC03 and DC02 move)."""
    with engine.begin() as connection:
        returns = select(TaxReturn.taxpayer_id).order_by(TaxReturn.taxpayer_id)
        ids = list(connection.execute(returns).scalars())
        connection.execute(
            update(TaxReturn)
            .where(TaxReturn.taxpayer_id.in_(ids[::3]))
            .values(total_income=TaxReturn.total_income * 3)
        )


# -- the world's files -----------------------------------------------------------------------------


def _send(
    engine: Engine,
    settings: Settings,
    sender: str,
    name: str,
    records: list[Record],
    *,
    indic: str = "CRS701",
    period: date = date(2025, 12, 31),
) -> int:
    sha256 = hashlib.sha256(f"{sender}-{name}".encode()).hexdigest()
    packet = PacketInfo(sha256, "CTS", sender, "BE", "CRS", 1)
    header = MessageHeader(
        "CRS", sender, "BE", f"{sender}{period.year}BE{name}", period, datetime.now(UTC), indic
    )
    outcome = store_file(engine, packet, header, records)
    assert outcome.records_stored == len(records), outcome.findings[:3]
    reconcile_file(engine, outcome.file_id, settings)
    return outcome.file_id


def _by_bank(sender: str) -> list[list[SyntheticReport]]:
    banks: dict[str, list[SyntheticReport]] = {}
    for item in REPORTS[sender]:
        banks.setdefault(item.institution.identifier, []).append(item)
    return list(banks.values())


def _first_file(sender: str, year: int = 2025) -> list[Record]:
    """One body per institution: its ReportingFI, then its accounts (another year: other DocRefIds)."""
    suffix = "" if year == 2025 else f"-{year}"
    records: list[Record] = []
    for body, items in enumerate(_by_bank(sender)):
        fi = reporting_fi(items[0].institution, f"{sender}{year}-FI-{body}")
        records.append(replace(fi, body_index=body))
        for item in items:
            spec = replace(item.report.doc_spec, doc_ref_id=item.report.doc_spec.doc_ref_id + suffix)
            records.append(replace(item.report, doc_spec=spec, body_index=body))
    return records


def _amendments(sender: str) -> list[Record]:
    """Half of each institution's accounts again: a third deleted, the rest corrected to a new balance."""
    records: list[Record] = []
    for body, items in enumerate(_by_bank(sender)):
        fi = reporting_fi(items[0].institution, f"{sender}2025-FI-{body}")
        records.append(replace(fi, doc_spec=DocSpec("OECD0", fi.doc_spec.doc_ref_id), body_index=body))
        for n, item in enumerate(items[: max(1, len(items) // 2)]):
            records.append(_amended(item.report, body, delete=n % 3 == 0))
    return records


def _amended(report: AccountReport, body: int, *, delete: bool) -> AccountReport:
    ref = report.doc_spec.doc_ref_id
    if delete:
        return replace(report, doc_spec=DocSpec("OECD3", f"{ref}-D", ref), body_index=body)
    balance = report.balance * 7 + Decimal("1234.50")
    return replace(report, doc_spec=DocSpec("OECD2", f"{ref}-C", ref), balance=balance, body_index=body)
