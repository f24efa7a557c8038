"""How analysts' and auditors' commands hand over rows: `--format table|csv|parquet|json`, `--output`,
and a `--limit` that pages the terminal table but never cuts an export short.

An export writes every row that matches, streamed (see exchange/anomalies/export.py), unless `--limit`
is given; the table on a terminal shows a page (`TABLE_PAGE` rows by default) and says how to see more.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO, Any

import click

from exchange.anomalies.export import (
    FORMATS,
    Column,
    output_file,
    render_table,
    write_csv,
    write_json,
    write_parquet,
)
from exchange.store.types import AMOUNT_LIMIT, AMOUNT_SCALE

TABLE_PAGE = 50


def format_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """`--format` and `--output` (passed as `output_format` and `output`)."""
    return formats_option(FORMATS)(command)


def formats_option(formats: Sequence[str]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """`--format` among these formats, and `--output`."""

    def decorate(command: Callable[..., Any]) -> Callable[..., Any]:
        command = click.option(
            "--output",
            "-o",
            type=click.Path(dir_okay=False, path_type=Path),
            help="Write to this file instead of the terminal"
            + (" (required for parquet)." if "parquet" in formats else "."),
        )(command)
        return click.option(
            "--format", "output_format", type=click.Choice(formats), default="table", show_default=True
        )(command)

    return decorate


def limit_option(what: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return click.option(
        "--limit",
        type=click.IntRange(min=1),
        help=f"At most this many {what} (default: {TABLE_PAGE} in a terminal table, all in an export).",
    )


def page_size(limit: int | None, output_format: str) -> int | None:
    """The rows a command reads: the limit given, else a page for the terminal table, else all."""
    if limit is not None:
        return limit
    return TABLE_PAGE if output_format == "table" else None


def check_target(output_format: str, output: Path | None) -> None:
    if output_format == "parquet" and output is None:
        raise click.UsageError("--format parquet needs --output FILE")


def write_rows(
    rows: Iterable[dict[str, Any]],
    columns: Sequence[Column],
    output_format: str,
    output: Path | None,
    footer: Callable[[int], str] | None = None,
) -> int:
    """Write the rows in the format asked for, to the file or the terminal; how many were written."""
    with open_target(output_format, output) as target:
        return target.write(rows, columns, footer)


class Target:
    """Where a command's rows go, in which format, and how many went there."""

    def __init__(self, stream: IO[Any], output_format: str) -> None:
        self.stream = stream
        self.output_format = output_format
        self.rows = 0

    def write(
        self,
        rows: Iterable[dict[str, Any]],
        columns: Sequence[Column],
        footer: Callable[[int], str] | None = None,
    ) -> int:
        """Write the rows; `footer(count)` closes a terminal table."""
        if self.output_format == "csv":
            self.rows = write_csv(rows, columns, self.stream)
        elif self.output_format == "json":
            self.rows = write_json(rows, self.stream)
        elif self.output_format == "parquet":
            self.rows = write_parquet(rows, columns, self.stream)
        else:
            page = list(rows)
            self.rows = len(page)
            closing = f"\n{footer(self.rows)}" if footer is not None else ""
            self.stream.write(render_table(page, columns) + closing + "\n")
        return self.rows


@contextmanager
def open_target(output_format: str, output: Path | None) -> Iterator[Target]:
    """The output file (a path that cannot be written is one line naming it, before anything is read)
    or the terminal; a file is told how many rows it got."""
    check_target(output_format, output)
    if output is None:
        yield Target(sys.stdout, output_format)
        return
    with output_file(output, binary=output_format == "parquet") as stream:
        target = Target(stream, output_format)
        yield target
    click.echo(f"{target.rows} rows written to {output}", err=True)


class AmountType(click.ParamType[Decimal]):
    """An amount as the store keeps it: finite, at most two decimals, within 16 integer digits."""

    name = "amount"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Decimal:
        if isinstance(value, Decimal):
            return value
        text = str(value).strip()
        try:
            amount = Decimal(text)
        except InvalidOperation:
            self.fail(f"{text!r} is not an amount such as 1000 or 2500.50", param, ctx)
        if not amount.is_finite():
            self.fail(f"{text!r} is not a finite amount", param, ctx)
        if abs(amount) >= AMOUNT_LIMIT:
            self.fail(f"{text!r} is beyond the largest amount stored ({AMOUNT_LIMIT:,.0f})", param, ctx)
        if amount != round(amount, AMOUNT_SCALE):
            self.fail(f"{text!r} has more than {AMOUNT_SCALE} decimals", param, ctx)
        return amount


AMOUNT = AmountType()
