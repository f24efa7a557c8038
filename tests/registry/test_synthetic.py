"""The synthetic Benelux data: deterministic, valid identifiers, loadable files, noisy reports with truth."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from exchange.records import AccountReport, PartyKind
from exchange.registry.export import write_population, write_reports
from exchange.registry.identifiers import identify
from exchange.registry.synthetic.population import generate_population
from exchange.registry.synthetic.reports import generate_reports, reporting_fi


def test_the_same_seed_gives_the_same_data() -> None:
    first, second = generate_population(400, seed=9), generate_population(400, seed=9)
    assert first.taxpayers == second.taxpayers and first.holdings == second.holdings
    assert generate_reports(first, "NL", 9) == generate_reports(second, "NL", 9)
    assert generate_population(400, seed=10).taxpayers != first.taxpayers


def test_the_population_is_a_plausible_belgian_registry() -> None:
    population = generate_population(2000, seed=1)
    kinds = Counter(t.kind for t in population.taxpayers)
    assert 0 < kinds[PartyKind.ORGANISATION] < 0.1 * len(population.taxpayers)
    assert len({t.national_id for t in population.taxpayers}) == len(population.taxpayers)
    for taxpayer in population.taxpayers:
        identify("BE", taxpayer.national_id, taxpayer.kind)  # raises when invalid
    histories = population.addresses_by_id
    assert all(history[0].valid_to is None for history in histories.values())
    assert any(len(history) > 1 for history in histories.values())
    assert population.benefits and population.declared_accounts
    declared = sum(h.declared for h in population.holdings)
    assert 0 < declared < len(population.holdings)  # some accounts abroad are not declared
    styles = {t.family_name for t in population.taxpayers}
    assert {"Peeters", "Dubois"} & styles


def test_reports_carry_noise_and_the_truth_kept_aside() -> None:
    population = generate_population(3000, seed=4)
    reports = generate_reports(population, "LU", seed=4)
    assert reports and all(isinstance(item.report, AccountReport) for item in reports)
    assert all(item.report.doc_spec.doc_ref_id.startswith("LU") for item in reports)
    truths = [truth for item in reports for truth in item.truth]
    assert 0 < sum(truth is None for truth in truths) < 0.2 * len(truths)
    labels = Counter(label for item in reports for party in item.noise for label in party)
    assert {"TIN missing", "birth date missing"} <= set(labels)
    holder_ids = {h.holder_id for h in population.holdings if h.country == "LU"}
    assert {item.truth[0] for item in reports if item.truth[0] is not None} == holder_ids
    entity = next(item for item in reports if item.report.holder.kind is PartyKind.ORGANISATION)
    assert entity.report.controlling_persons and len(entity.truth) == 1 + len(
        entity.report.controlling_persons
    )
    assert reporting_fi(reports[0].institution, "LU2025-FI-1").res_country_codes == ("LU",)


def test_the_population_writes_as_loadable_files(tmp_path: Path) -> None:
    population = generate_population(200, seed=3)
    csv_files = write_population(population, tmp_path / "csv", "csv")
    parquet_files = write_population(population, tmp_path / "parquet", "parquet")
    assert (
        set(csv_files)
        == set(parquet_files)
        == {
            "companies",
            "taxpayers",
            "addresses",
            "returns",
            "foreign_accounts",
            "benefits",
            "properties",
            "declared_income",
        }
    )
    header = csv_files["taxpayers"].read_text(encoding="utf-8").splitlines()[0]
    assert header.startswith("national_id,kind")
    report_path, truth_path = write_reports(generate_reports(population, "NL", 3), tmp_path, "NL")
    assert report_path.read_text(encoding="utf-8").count("\n") >= 1
    assert truth_path.read_text(encoding="utf-8").startswith("doc_ref_id,party,national_id,noise")
