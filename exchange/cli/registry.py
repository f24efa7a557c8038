"""`exchange registry`: load the domestic registry from files, or generate a synthetic one."""

from __future__ import annotations

import csv
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click

from exchange.cli.context import CliContext, emit, json_option, pass_context
from exchange.cli.store_access import open_store
from exchange.errors import ExchangeError
from exchange.registry.bulk import bulk_load
from exchange.registry.columns import TABLES, detect_table
from exchange.registry.export import PopulationWriter, write_reports
from exchange.registry.load import LoadReport, load_file
from exchange.registry.readers import open_source
from exchange.registry.synthetic.population import Population, iter_population
from exchange.registry.synthetic.reports import chunk_seed, generate_reports

_SHOWN_REJECTS = 20


@click.group("registry")
def registry_group() -> None:
    """The domestic registry: taxpayers, addresses, returns, benefits."""


def _load_summary(report: dict[str, Any]) -> str:
    lines = [
        f"{report['table']}: {report['rows_read']} rows read, {report['rows_written']} written, "
        f"{report['rows_rejected']} rejected, {report['rows_superseded']} superseded by a later row "
        f"({report['seconds']:.1f}s)"
    ]
    lines += [f"  row {r['row']}: {r['reason']}" for r in report["rejected"][:_SHOWN_REJECTS]]
    if report["rows_rejected"] > _SHOWN_REJECTS:
        lines.append(f"  ... and {report['rows_rejected'] - _SHOWN_REJECTS} more (use --rejects FILE)")
    return "\n".join(lines)


def _write_rejects(report: LoadReport, path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["row", "reason"])
        writer.writerows((r.line, r.reason) for r in report.rejected)


@registry_group.command("load")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--table", type=click.Choice(sorted(TABLES)), help="The table the file holds (default: from its columns)."
)
@click.option(
    "--rejects", type=click.Path(dir_okay=False, path_type=Path), help="Write every rejected row here (CSV)."
)
@json_option
@pass_context
def load_command(
    context: CliContext, file: Path, table: str | None, rejects: Path | None, as_json: bool
) -> None:
    """Load a CSV or Parquet FILE into the registry (an upsert: loading it again changes nothing).

    \b
    Tables and columns (one table per file; optional columns in brackets):
      taxpayers         national_id kind [id_country given_names family_name organisation_name birth_date]
      addresses         national_id valid_from city [id_country valid_to country_code street
                        house_number post_code]
      returns           national_id tax_year total_income [id_country foreign_interest foreign_dividends
                        foreign_gains foreign_other]
      foreign_accounts  national_id tax_year country_code institution [id_country]
      benefits          national_id year kind amount [id_country]
      properties        national_id tax_year line city rental_income [id_country country_code street
                        house_number post_code land_registration_number rented_days]
      declared_income   national_id tax_year kind amount [id_country]  (kind: a DPI activity type,
                        immovable_property personal_services sale_of_goods transportation_rental)
      companies         enterprise_number name [country vat_number legal_form street house_number
                        post_code city country_code activity]
    Enterprise and VAT numbers: BE, NL, LU (python-stdnum checks); activity a NACE code (68.20).
    Dates YYYY-MM-DD, amounts with a dot. Load taxpayers first, returns before foreign_accounts,
    properties and declared_income.
    Exit code 1 when any row was rejected (the others are loaded).
    """
    settings = context.settings
    source = open_source(file)
    detect_table(source.columns, table)  # a wrong file fails before the store is touched
    engine = open_store(settings)
    try:
        with click.progressbar(
            length=source.total_rows, label=f"loading {file.name}", file=sys.stderr
        ) as bar:
            report = load_file(
                engine, file, home=settings.home_jurisdiction, table=table, on_progress=bar.update
            )
    finally:
        engine.dispose()
    if rejects is not None:
        _write_rejects(report, rejects)
    emit(report.to_dict(), as_json, _load_summary)
    if report.rejected:
        click.get_current_context().exit(1)


def _generate_summary(result: dict[str, Any]) -> str:
    lines = [f"{result['taxpayers']} taxpayers ({result['seconds']:.1f}s) in {result['directory']}"]
    lines += [f"  {table}: {path}" for table, path in result["files"].items()]
    lines += [
        f"  reports from {sender}: {info['reports']} ({info['parties']} parties, "
        f"{info['unregistered']} not in the registry)"
        for sender, info in result["reports"].items()
    ]
    if result["loaded"]:
        lines.append(f"  loaded into the registry: {result['loaded']} rows")
    return "\n".join(lines)


def _generate_and_load(context: CliContext, chunks: Iterator[Population], on_progress: Any) -> int:
    """Load the population as it is generated (COPY or executemany into an empty registry): the rows
    written to the registry's tables."""
    engine = open_store(context.settings)
    try:
        report = bulk_load(engine, chunks, on_progress=on_progress)
    finally:
        engine.dispose()
    return sum(rows for table, rows in report.rows.items() if table != "taxpayer_link")


@registry_group.command("generate")
@click.option(
    "--size", type=click.IntRange(min=1), default=10_000, show_default=True, help="Taxpayers to generate."
)
@click.option("--seed", type=int, default=0, show_default=True, help="The same seed gives the same data.")
@click.option("--senders", default="NL,LU", show_default=True, help="Countries whose reports to generate.")
@click.option("--year", type=int, default=2025, show_default=True, help="Tax and reporting year.")
@click.option(
    "--out",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("synthetic"),
    show_default=True,
    help="Where the registry files, the reports and their ground truth go.",
)
@click.option("--format", "fmt", type=click.Choice(["csv", "parquet"]), default="csv", show_default=True)
@click.option("--load", "load_now", is_flag=True, help="Also load the population into the registry.")
@json_option
@pass_context
def generate_command(
    context: CliContext,
    size: int,
    seed: int,
    senders: str,
    year: int,
    directory: Path,
    fmt: str,
    load_now: bool,
    as_json: bool,
) -> None:
    """Generate a synthetic Belgian registry and the reports the senders would send about it.

    The reports (reports_XX.jsonl) and who each reported party really is (truth_XX.csv) are written
    beside the registry files; the truth is never loaded anywhere.
    """
    started = time.monotonic()
    countries = tuple(dict.fromkeys(code.strip().upper() for code in senders.split(",") if code.strip()))
    if any(len(code) != 2 or not code.isalpha() for code in countries):
        raise ExchangeError("--senders takes two-letter country codes separated by commas, such as NL,LU")
    settings = context.settings
    if settings.home_jurisdiction != "BE":
        raise ExchangeError("the synthetic registry models Belgium: set the home jurisdiction to BE")
    writer = PopulationWriter(directory, fmt)
    report_info = {sender: {"reports": 0, "parties": 0, "unregistered": 0} for sender in countries}
    made = 0

    def chunks() -> Iterator[Population]:
        """The population a chunk at a time, its files and reports written as it goes by."""
        nonlocal made
        for index, chunk in enumerate(iter_population(size, seed, year=year, abroad=countries)):
            writer.write(chunk)
            for sender in countries:
                reports = generate_reports(chunk, sender, chunk_seed(seed, index))
                write_reports(reports, directory, sender, append=index > 0)
                truths = [truth for item in reports for truth in item.truth]
                info = report_info[sender]
                info["reports"] += len(reports)
                info["parties"] += len(truths)
                info["unregistered"] += sum(truth is None for truth in truths)
            made += len(chunk.taxpayers)
            yield chunk

    loaded = 0
    try:
        with click.progressbar(length=size, label="generating", file=sys.stderr) as bar:
            if load_now:
                loaded = _generate_and_load(context, chunks(), bar.update)
            else:
                for chunk in chunks():
                    bar.update(len(chunk.taxpayers))
    finally:
        files = writer.close()
    result = {
        "directory": str(directory),
        "taxpayers": made,
        "files": {table: str(path) for table, path in files.items()},
        "reports": report_info,
        "loaded": loaded,
        "seconds": round(time.monotonic() - started, 3),
    }
    emit(result, as_json, _generate_summary)
