"""`bedrock-costs report`: the one-file HTML cost report of an output folder."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from bedrock_costs.config import RunConfig
from bedrock_costs.contract.errors import EXIT_OK, UsageError
from bedrock_costs.entry.options import add_as_of
from bedrock_costs.io import storage
from bedrock_costs.io.as_of import AsOf

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "report",
        help="write the one-file HTML cost report",
        description="Write one self-contained HTML file (no network needed to view it) with "
        "daily cost by model, cost by tag, top principals, the prompt-cache effect, unpriced "
        "calls and quarantine, reconciliation and price drift, and the data-quality results "
        "of an output folder's tables.",
    )
    parser.add_argument("--output", required=True, metavar="PATH", help="the run's --output")
    parser.add_argument(
        "--to", metavar="FILE", help="where to write the page (default PATH/report.html)"
    )
    parser.add_argument("--database", default=RunConfig.database, metavar="NAME")
    parser.add_argument(
        "--pricing",
        metavar="CSV",
        help="price table for the cache-effect figures (default: the shipped one)",
    )
    add_as_of(
        parser,
        "the tables as they were at a snapshot id or an ISO-8601 time (UTC unless it says), "
        "e.g. the snapshot a reconciliation summary records",
    )
    parser.set_defaults(
        handler=lambda args: report(
            args.output, args.to, args.database, args.pricing, as_of=args.as_of
        )
    )


def report(
    output: str,
    target: str | None,
    database: str,
    pricing: str | None,
    *,
    as_of: AsOf | None = None,
) -> int:
    """The one-file HTML report of an output folder's tables."""
    from bedrock_costs.io.catalog_settings import catalog_file
    from bedrock_costs.io.session import local_session

    if not catalog_file(output).exists() or not storage.exists(storage.join(output, "invocations")):
        raise UsageError(
            "no invocations table here: run `bedrock-costs run` with this --output first",
            file=output,
        )
    path = write_report(local_session(output), output, target, database, pricing, as_of)
    print(f"report: {path}")
    return EXIT_OK


def write_report(
    spark: SparkSession,
    output: str,
    target: str | None = None,
    database: str = RunConfig.database,
    pricing: str | None = None,
    as_of: AsOf | None = None,
) -> str:
    from bedrock_costs.reference.price_file import default_pricing_path, load_prices
    from bedrock_costs.report.figures import report_data
    from bedrock_costs.report.page import render

    prices = load_prices(pricing or default_pricing_path())  # validated before any Spark work
    path = target or storage.join(output, "report.html")
    storage.write_text(path, render(report_data(spark, output, database, prices, as_of)))
    return path
