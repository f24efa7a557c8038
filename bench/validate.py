"""Validation throughput and memory: schema + business rules against plain lxml schema validation.

For files of 10k and 100k account reports (varied, valid CRS v2.0) and of as many reportable sellers
(valid DPI v1.0, each with a let property and a second activity) and of jurisdiction reports (valid CbC
v2.0, one constituent entity each), each case runs in its own child
process so that its peak RSS is its own, and is timed from when its imports are done and the schema is
loaded (that start-up, the same whatever the file, is printed apart):
- baseline: lxml's streaming parser with the schema attached (`etree.iterparse(schema=...)`), clearing
  elements as it goes, the cheapest correct streaming validation lxml offers;
- ours: `exchange validate`'s path (`DocumentPass`): safe streaming parse with the schema, a separate
  well-formedness check, extraction of every record and every business rule, no store.

Run: `.venv/bin/python bench/validate.py [--sizes 10000,100000] [--formats crs,dpi,cbc]`
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

from bench.crs_packets import write_document
from exchange.records import DocSpec, ReportableSeller
from exchange.writers.cbc import write_cbc
from exchange.writers.dpi import write_dpi

CHILD = """
import json, resource, sys, time
from pathlib import Path
path, mode, fmt = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
started = time.perf_counter()
from lxml import etree
from exchange.formats import cbc_v2, crs_v2, dpi_v1
from exchange.formats.schemas import load_schema
schema = load_schema({"crs": crs_v2.SPEC, "dpi": dpi_v1.SPEC, "cbc": cbc_v2.SPEC}[fmt])
record_tag = {"crs": "}AccountReport", "dpi": "}ReportableSeller", "cbc": "}CbcReports"}[fmt]
if mode == "ours":
    from exchange.logs import configure_logging
    from exchange.pipeline.document import DocumentPass, PlainChunks
    from exchange.settings import Settings
    from exchange.validation.findings import Finding
    from exchange.validation.source import iter_chunks
    configure_logging("error")
    settings = Settings()
startup = time.perf_counter() - started
started = time.perf_counter()
records = findings = 0
if mode == "lxml":
    for _, element in etree.iterparse(str(path), events=("end",), schema=schema, huge_tree=False):
        if element.tag.endswith(record_tag):
            records += 1
        element.clear(keep_tail=False)
        parent = element.getparent()
        while parent is not None and element.getprevious() is not None:
            del parent[0]
else:
    document = DocumentPass(PlainChunks(iter_chunks(path)), settings, None)
    document.start()
    for item in document.items():
        if isinstance(item, Finding):
            findings += 1
        else:
            records += 1
seconds = time.perf_counter() - started
print(json.dumps({"startup": startup, "seconds": seconds, "records": records, "findings": findings,
                  "peak_rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""


def measure(path: Path, mode: str, fmt: str) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, "-c", CHILD, str(path), mode, fmt], capture_output=True, text=True, check=True
    )
    figures: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return figures


def write_dpi_document(path: Path, sellers: int) -> None:
    """A DPI document from NL to BE with `sellers` individual sellers, as the format tests write them."""
    from tests.formats.dpi_documents import header, individual_seller, operator

    template = individual_seller()

    def each() -> Iterator[ReportableSeller]:
        for number in range(sellers):
            yield replace(template, doc_spec=DocSpec("OECD1", f"NL2025-RS-{number}"))

    write_dpi(path, header(), operator(), each())


def write_cbc_document(path: Path, reports: int) -> None:
    """A CbC document from LU to BE with `reports` jurisdiction reports, as the format tests write them."""
    from tests.formats.cbc_documents import entity, header, report

    template = report()
    each = (replace(template, doc_spec=DocSpec("OECD1", f"LU2025-CR-{number}")) for number in range(reports))
    write_cbc(path, header(), entity(), each)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000", help="reports per file, comma-separated")
    parser.add_argument(
        "--formats", default="crs,dpi,cbc", help="crs (account reports), dpi (sellers), cbc (jurisdictions)"
    )
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    formats = args.formats.split(",")
    print(f"python {sys.version.split()[0]}; each line: its own child process; BE receives from NL")
    print(f"{'reports':>8} {'MB':>7}  {'path':<34} {'start-up':>8} {'seconds':>8} {'reports/s':>10} "
          f"{'MB/s':>6} {'peak RSS':>9} {'findings':>8}")  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="bench-validate-") as folder:
        for fmt, size in ((fmt, size) for fmt in formats for size in sizes):
            path = Path(folder) / f"{fmt}-{size}.xml"
            started = time.perf_counter()
            if fmt == "crs":
                write_document(path, file_no=1, reports=size)
            elif fmt == "dpi":
                write_dpi_document(path, size)
            else:
                write_cbc_document(path, size)
            megabytes = path.stat().st_size / 1e6
            print(f"{'':>8} {'':>7}  ({fmt}: writing the file took {time.perf_counter() - started:.1f}s)")
            for mode, label in (("lxml", "lxml iterparse + schema (baseline)"),
                                ("ours", "exchange: schema + rules")):  # fmt: skip
                figures = measure(path, mode, fmt)
                seconds = figures["seconds"]
                rss = figures["peak_rss_kib"] / 1024
                print(
                    f"{size:>8} {megabytes:>7.1f}  {label:<34} {figures['startup']:>8.2f} {seconds:>8.2f} "
                    f"{size / seconds:>10,.0f} {megabytes / seconds:>6.1f} {rss:>7.0f} MB "
                    f"{figures['findings']:>8}"
                )
                if figures["records"] < size:
                    raise SystemExit(f"{mode} saw {figures['records']} records of {size}")


if __name__ == "__main__":
    main()
