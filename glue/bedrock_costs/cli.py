"""The `bedrock-costs` command line (CONTRACT §1)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from bedrock_costs import __version__
from bedrock_costs.config import DEFAULT_DATABASE, DEFAULT_MAX_TAG_COLUMNS, RunConfig, parse_date
from bedrock_costs.errors import EXIT_FAILED, EXIT_QUALITY, EXIT_USAGE, AccountingError, UsageError
from bedrock_costs.price_table import PRICING_FORMATS, TIERS
from bedrock_costs.quality import (
    DEFAULT_MIN_MATCHED_SHARE,
    DEFAULT_MIN_PRICED_SHARE,
    QualityConfig,
    QualityGateError,
    parse_policies,
)


def _output_options(parser: argparse.ArgumentParser) -> None:
    shown = parser.add_mutually_exclusive_group()
    shown.add_argument("--quiet", action="store_true", help="print nothing but errors")
    shown.add_argument(
        "--json",
        action="store_true",
        help="print only the machine summary (JSON) on stdout, for schedulers",
    )


def _quality_options(parser: argparse.ArgumentParser, share: str, default: float) -> None:
    parser.add_argument(
        f"--min-{share}-share",
        type=float,
        default=default,
        metavar="F",
        help=f"the {share}_share quality check's threshold, 0..1 (default {default})",
    )
    parser.add_argument(
        "--quality-policy",
        action="append",
        metavar="CHECK=POLICY",
        help="make a data-quality check fail (exit 3, nothing published) or warn; repeatable "
        "(e.g. priced_share=fail); the checks are listed in the README",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bedrock-costs",
        description="Amazon Bedrock invocation logs to priced, tag-pivoted Parquet tables.",
    )
    parser.add_argument("--version", action="version", version=f"bedrock-costs {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser(
        "run",
        help="price invocation logs into the invocations table",
        description="Price Bedrock invocation logs into the invocations "
        "and quarantine tables, and register them in a catalog.",
    )
    run.add_argument(
        "--logs", required=True, metavar="PATH", help="folder (or s3:// URI) of invocation logs"
    )
    run.add_argument(
        "--output", required=True, metavar="PATH", help="folder (or s3:// URI) for the tables"
    )
    run.add_argument(
        "--pricing", metavar="CSV", help="price table (default: the one shipped in pricing/)"
    )
    run.add_argument(
        "--profiles", metavar="CSV", help="application inference profiles: profile_arn,model_id"
    )
    run.add_argument(
        "--unit-pricing",
        metavar="CSV",
        help="per-unit prices for image, video and rerank models (default: the shipped table)",
    )
    run.add_argument("--start-date", metavar="D", help="first UTC day to process, YYYY-MM-DD")
    run.add_argument(
        "--end-date", metavar="D", help="last UTC day to process, YYYY-MM-DD (inclusive)"
    )
    run.add_argument(
        "--database",
        default=DEFAULT_DATABASE,
        metavar="NAME",
        help=f"catalog database (default {DEFAULT_DATABASE})",
    )
    run.add_argument(
        "--max-tag-columns",
        type=int,
        default=DEFAULT_MAX_TAG_COLUMNS,
        metavar="N",
        help=f"most tag_<key> columns to promote (default {DEFAULT_MAX_TAG_COLUMNS})",
    )
    run.add_argument(
        "--pricing-format",
        choices=PRICING_FORMATS,
        default="bedrock-costs",
        help="format of --pricing: ours (default) or the AWS sample solution's pricing.csv",
    )
    run.add_argument(
        "--default-tier",
        choices=TIERS,
        default="standard",
        help="service tier of calls whose log records none (e.g. batch for a batch-only job)",
    )
    _quality_options(run, "priced", DEFAULT_MIN_PRICED_SHARE)
    _output_options(run)

    sample = commands.add_parser(
        "sample",
        help="write synthetic invocation logs",
        description="Write realistic synthetic invocation logs in the "
        "S3 key layout Bedrock uses, plus a matching profiles CSV.",
    )
    sample.add_argument("--output", required=True, metavar="PATH")
    sample.add_argument(
        "--records", type=int, default=20_000, metavar="N", help="calls to generate (default 20000)"
    )
    sample.add_argument(
        "--days", type=int, default=7, metavar="D", help="days of traffic (default 7)"
    )
    sample.add_argument("--seed", type=int, default=7, metavar="S", help="random seed (default 7)")
    sample.add_argument("--end-date", metavar="D", help="last day of traffic (default 2026-10-31)")
    sample.add_argument(
        "--with-cur",
        nargs="?",
        const="",
        metavar="CUR_PATH",
        help="also write a CUR 2.0 export billing these calls, with planted discrepancies "
        "(default folder: the --output path with -cur appended)",
    )

    reconcile = commands.add_parser(
        "reconcile",
        help="reconcile invocations with the CUR 2.0 bill and allocate it to calls",
        description="Compare the invocations table under --output with the Bedrock line items "
        "of a CUR 2.0 export, per day, account, Region, model, token class, routing and tier "
        "(and IAM principal when the CUR has it); write the reconciliation and allocations "
        "tables, replacing each billing period reconciled.",
    )
    reconcile.add_argument(
        "--output", required=True, metavar="PATH", help="the run's --output (tables go there)"
    )
    reconcile.add_argument(
        "--cur",
        required=True,
        metavar="PATH",
        help="CUR 2.0 export: its root (data/, metadata/), its data/ folder or one "
        "BILLING_PERIOD=YYYY-MM folder; local or s3://",
    )
    reconcile.add_argument(
        "--billing-period", metavar="YYYY-MM", help="only this period (default: every one found)"
    )
    reconcile.add_argument(
        "--pricing", metavar="CSV", help="price table to check drift against (default: shipped)"
    )
    reconcile.add_argument("--database", default=DEFAULT_DATABASE, metavar="NAME")
    _quality_options(reconcile, "matched", DEFAULT_MIN_MATCHED_SHARE)
    _output_options(reconcile)

    focus = commands.add_parser(
        "focus",
        help="export FOCUS 1.2 cost rows",
        description="Write the focus table (FinOps FOCUS 1.2 columns plus x_ extras) under "
        "--output: allocated CUR cost per call for reconciled billing periods, estimates "
        "otherwise.",
    )
    focus.add_argument("--output", required=True, metavar="PATH", help="the run's --output")
    focus.add_argument("--billing-period", metavar="YYYY-MM", help="only this period")
    focus.add_argument("--database", default=DEFAULT_DATABASE, metavar="NAME")

    demo = commands.add_parser(
        "demo",
        help="sample data, the whole pipeline, and where it all is",
        description="Generate sample logs, run the pipeline on them, and "
        "print the headline numbers and where the tables are.",
    )
    demo.add_argument(
        "--output", default="demo-output", metavar="PATH", help="default ./demo-output"
    )
    demo.add_argument("--records", type=int, default=20_000, metavar="N")
    demo.add_argument(
        "--no-cur", action="store_true", help="skip the synthetic CUR and the reconciliation"
    )

    pricing = commands.add_parser(
        "pricing",
        help="check, convert and cover price tables",
        description="Tools for price tables.",
    )
    tools = pricing.add_subparsers(dest="pricing_command", required=True, metavar="TOOL")
    validate = tools.add_parser(
        "validate",
        help="validate a price file as the job would",
        description="Validate a price file exactly as `run` does; exit 2 "
        "naming file, row and column if it is invalid.",
    )
    validate.add_argument("file", metavar="FILE")
    validate.add_argument("--format", choices=PRICING_FORMATS, default="bedrock-costs")
    convert = tools.add_parser(
        "convert",
        help="convert a price file to this project's format",
        description="Convert a price file (e.g. the AWS sample's "
        "pricing.csv) to this project's CSV format.",
    )
    convert.add_argument("file", metavar="FILE")
    convert.add_argument("--format", choices=PRICING_FORMATS, default="aws-sample")
    convert.add_argument("--to", required=True, metavar="CSV", help="where to write the result")
    refresh = tools.add_parser(
        "refresh",
        help="propose price changes from AWS Price List offer files",
        description="Compare AWS Price List offers (AmazonBedrock, AmazonBedrockService, "
        "AmazonBedrockFoundationModels; bulk index.json or GetProducts output) with a price "
        "table and print the rows to add and close, effective from --as-of. History is never "
        "rewritten. --write saves the merged table after validating it.",
    )
    refresh.add_argument(
        "--offers",
        action="append",
        required=True,
        metavar="FILE",
        help="an offer file: local path, s3:// or https:// URL (repeatable)",
    )
    refresh.add_argument("--pricing", metavar="CSV", help="table to compare (default: shipped)")
    refresh.add_argument("--as-of", metavar="D", help="effective day of new rows (default: today)")
    refresh.add_argument("--write", metavar="CSV", help="write the merged table here")
    coverage = tools.add_parser(
        "coverage",
        help="which written calls had no price",
        description="List the unpriced calls of a written invocations "
        "table by status, model, Region, routing and tier, with call "
        "counts and token volumes, and the price rows to add.",
    )
    coverage.add_argument("--output", required=True, metavar="PATH", help="the run's --output")
    coverage.add_argument("--csv", metavar="FILE", help="also write the groups as CSV")

    profiles = commands.add_parser(
        "profiles",
        help="application inference profiles",
        description="Tools for the application inference profiles CSV.",
    )
    profile_tools = profiles.add_subparsers(dest="profiles_command", required=True, metavar="TOOL")
    export = profile_tools.add_parser(
        "export",
        help="write the profiles CSV from the Bedrock API",
        description="List the application inference profiles of each Region "
        "(ListInferenceProfiles, type APPLICATION) with their tags (ListTagsForResource) and "
        "write the profiles CSV that "
        "`run --profiles` reads. Uses the usual AWS credentials and AWS_PROFILE.",
    )
    export.add_argument("--to", required=True, metavar="CSV", help="where to write the CSV")
    export.add_argument(
        "--region",
        action="append",
        metavar="R",
        help="a Region to list (repeat for several; default: AWS_REGION)",
    )

    report = commands.add_parser(
        "report",
        help="write the one-file HTML cost report",
        description="Write one self-contained HTML file (no network needed to view it) with "
        "daily cost by model, cost by tag, top principals, the prompt-cache effect, unpriced "
        "calls and quarantine, reconciliation and price drift, and the data-quality results "
        "of an output folder's tables.",
    )
    report.add_argument("--output", required=True, metavar="PATH", help="the run's --output")
    report.add_argument(
        "--to", metavar="FILE", help="where to write the page (default PATH/report.html)"
    )
    report.add_argument("--database", default=DEFAULT_DATABASE, metavar="NAME")
    report.add_argument(
        "--pricing",
        metavar="CSV",
        help="price table for the cache-effect figures (default: the shipped one)",
    )

    query = commands.add_parser(
        "query",
        help="run SQL against an output folder's catalog",
        description="Run one SQL statement in a Spark session attached "
        "to the catalog kept under a local output folder.",
    )
    query.add_argument("--output", required=True, metavar="PATH")
    query.add_argument(
        "sql", help='e.g. "SELECT model, sum(total_cost) FROM bedrock_costs.invocations GROUP BY 1"'
    )
    query.add_argument(
        "--limit", type=int, default=50, metavar="N", help="rows to show (default 50)"
    )
    return parser


def run_config(args: argparse.Namespace) -> RunConfig:
    from bedrock_costs.price_table import default_pricing_path

    return RunConfig(
        logs_path=args.logs,
        output_path=args.output,
        pricing_path=args.pricing or default_pricing_path(),
        profiles_path=args.profiles,
        start_date=parse_date(args.start_date, "--start-date") if args.start_date else None,
        end_date=parse_date(args.end_date, "--end-date") if args.end_date else None,
        database=args.database,
        max_tag_columns=args.max_tag_columns,
        pricing_format=args.pricing_format,
        unit_pricing_path=args.unit_pricing,
        default_tier=args.default_tier,
        quality=QualityConfig(
            min_priced_share=args.min_priced_share, policies=parse_policies(args.quality_policy)
        ),
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return _dispatch(args)
    except UsageError as exc:
        print(f"bedrock-costs: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except QualityGateError as exc:
        print(f"bedrock-costs: {exc}", file=sys.stderr)
        for line in exc.report.lines():
            print(line, file=sys.stderr)
        print(f"  results: {exc.report.saved_to}", file=sys.stderr)
        return EXIT_QUALITY
    except AccountingError as exc:
        print(f"bedrock-costs: {exc}", file=sys.stderr)
        return EXIT_FAILED


def _dispatch(args: argparse.Namespace) -> int:
    from bedrock_costs import commands

    if args.command == "run":
        return commands.run(run_config(args), shown=commands.Shown.of(args))
    if args.command == "sample":
        return commands.sample(args)
    if args.command == "demo":
        return commands.demo(args.output, records=args.records, with_cur=not args.no_cur)
    if args.command == "reconcile":
        return commands.reconcile(args)
    if args.command == "focus":
        return commands.focus(args.output, args.billing_period, args.database)
    if args.command == "report":
        return commands.report(args.output, args.to, args.database, args.pricing)
    if args.command == "profiles":
        return commands.profiles_export(args.to, args.region)
    if args.command == "pricing":
        if args.pricing_command == "validate":
            return commands.pricing_validate(args.file, args.format)
        if args.pricing_command == "refresh":
            return commands.pricing_refresh(args.offers, args.pricing, args.as_of, args.write)
        if args.pricing_command == "convert":
            return commands.pricing_convert(args.file, args.format, args.to)
        return commands.pricing_coverage(args.output, args.csv)
    return commands.query(args.output, args.sql, limit=args.limit)


if __name__ == "__main__":
    sys.exit(main())
