"""`bedrock-costs pricing validate|convert|refresh|coverage`: tools for price tables."""

from __future__ import annotations

import argparse
import sys

from bedrock_costs.config import RunConfig, parse_date
from bedrock_costs.contract.errors import EXIT_OK, UsageError
from bedrock_costs.contract.vocabulary import AWS_SAMPLE_FORMAT, OUR_FORMAT, PRICING_FORMATS
from bedrock_costs.io import storage


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "pricing",
        help="check, convert and cover price tables",
        description="Tools for price tables.",
    )
    tools = parser.add_subparsers(dest="pricing_command", required=True, metavar="TOOL")
    validate = tools.add_parser(
        "validate",
        help="validate a price file as the job would",
        description="Validate a price file exactly as `run` does; exit 2 "
        "naming file, row and column if it is invalid.",
    )
    validate.add_argument("file", metavar="FILE")
    validate.add_argument("--format", choices=PRICING_FORMATS, default=OUR_FORMAT)
    validate.set_defaults(handler=lambda args: pricing_validate(args.file, args.format))
    convert = tools.add_parser(
        "convert",
        help="convert a price file to this project's format",
        description="Convert a price file (e.g. the AWS sample's "
        "pricing.csv) to this project's CSV format.",
    )
    convert.add_argument("file", metavar="FILE")
    convert.add_argument("--format", choices=PRICING_FORMATS, default=AWS_SAMPLE_FORMAT)
    convert.add_argument("--to", required=True, metavar="CSV", help="where to write the result")
    convert.set_defaults(handler=lambda args: pricing_convert(args.file, args.format, args.to))
    _register_refresh(tools)
    coverage = tools.add_parser(
        "coverage",
        help="which written calls had no price, or what the table lacks against an offer",
        description="List the unpriced calls of a written invocations "
        "table by status, model, Region, routing and tier, with call "
        "counts and token volumes, and the price rows to add. With --offers: "
        "list what the price table lacks or disagrees with against AWS Price List offers.",
    )
    coverage.add_argument("--output", metavar="PATH", help="the run's --output")
    coverage.add_argument("--csv", metavar="FILE", help="also write the groups as CSV")
    coverage.add_argument("--database", default=RunConfig.database, metavar="NAME")
    coverage.add_argument(
        "--offers", action="append", metavar="FILE", help="an offer file (repeatable)"
    )
    coverage.add_argument("--pricing", metavar="CSV", help="table to compare (default: shipped)")
    coverage.set_defaults(handler=_coverage)


def _coverage(args: argparse.Namespace) -> int:
    if args.offers:
        return pricing_gaps(args.offers, args.pricing)
    if not args.output:
        raise UsageError("pricing coverage needs --output (the calls) or --offers (the table)")
    return pricing_coverage(args.output, args.csv, args.database)


def _register_refresh(tools: argparse._SubParsersAction) -> None:
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
    refresh.set_defaults(
        handler=lambda args: pricing_refresh(args.offers, args.pricing, args.as_of, args.write)
    )


def pricing_validate(path: str, fmt: str) -> int:
    from bedrock_costs.reference.price_file import load_prices

    rows = load_prices(path, fmt=fmt)
    models = len({r.model for r in rows})
    print(f"{path}: valid, {len(rows)} price rows for {models} models")
    return EXIT_OK


def pricing_convert(path: str, fmt: str, target: str) -> int:
    from bedrock_costs.reference.aws_sample_price_file import WARNING
    from bedrock_costs.reference.price_file import load_prices, to_csv

    rows = load_prices(path, fmt=fmt)
    storage.write_text(target, to_csv(rows))
    if fmt == AWS_SAMPLE_FORMAT:
        print(f"warning: {WARNING.format(path=path)}", file=sys.stderr)
    print(f"wrote {len(rows)} rows to {target}")
    return EXIT_OK


def pricing_coverage(output: str, csv_path: str | None, database: str = RunConfig.database) -> int:
    """Unpriced calls in a written table, grouped, with the rows to add to the price table."""
    from bedrock_costs.invocations.coverage import suggested_rows, unpriced_groups
    from bedrock_costs.io.session import local_session
    from bedrock_costs.io.tables import read_table

    if not storage.exists(storage.join(output, "invocations")):
        raise UsageError("no invocations table here: run `bedrock-costs run` first", file=output)
    calls = read_table(local_session(output), database, "invocations")
    groups = [r.asDict() for r in unpriced_groups(calls).take(10_000)]
    if not groups:
        print("every call is priced")
        return EXIT_OK
    print(
        f"{'status':<19}{'model / model_id':<62}{'region':<15}{'routing':<10}{'tier':<9}"
        f"{'calls':>8}{'input tok':>13}{'output tok':>12}  days"
    )
    for g in groups:
        name = g["model"] or g["model_id"] or "(none)"
        print(
            f"{g['pricing_status']:<19}{name[:60]:<62}{g['region'] or '':<15}"
            f"{g['routing'] or '':<10}{g['service_tier'] or '':<9}{g['calls']:>8,}"
            f"{g['input_tokens']:>13,}{g['output_tokens']:>12,}  {g['first_day']}..{g['last_day']}"
        )
    rows = suggested_rows(groups)
    if rows.count("\n") > 1:
        print("\nrows to add to the price table (fill in the prices):\n" + rows, end="")
    if csv_path:
        lines = [",".join(str(g[k] if g[k] is not None else "") for k in groups[0]) for g in groups]
        storage.write_text(csv_path, ",".join(groups[0]) + "\n" + "\n".join(lines) + "\n")
        print(f"wrote {len(groups)} groups to {csv_path}")
    return EXIT_OK


def pricing_refresh(
    offers: list[str], pricing: str | None, as_of: str | None, target: str | None
) -> int:
    """Print the proposed changes; with a target, write the merged, validated table."""
    from datetime import UTC, datetime

    from bedrock_costs.reference.model_names import model_names
    from bedrock_costs.reference.price_file import (
        check_no_ambiguity,
        default_pricing_path,
        load_prices,
        to_csv,
    )
    from bedrock_costs.reference.price_refresh import describe, propose

    current = load_prices(pricing or default_pricing_path())
    day = parse_date(as_of, "--as-of") if as_of else datetime.now(UTC).date()
    prices, set_aside = _offer_prices(offers)
    refresh = propose(current, prices, model_names(), day)
    print(describe(refresh, current))
    print(f"  ({len(prices)} token prices read, {set_aside} other SKUs set aside)")
    if target:
        merged = refresh.merged(current)
        check_no_ambiguity(target, merged)
        storage.write_text(target, to_csv(merged))
        print(f"wrote {len(merged)} rows to {target}")
    return EXIT_OK


def pricing_gaps(offers: list[str], pricing: str | None) -> int:
    """What the price table lacks or disagrees with against the offers, today."""
    from datetime import UTC, datetime

    from bedrock_costs.reference.model_names import model_names
    from bedrock_costs.reference.price_file import default_pricing_path, load_prices
    from bedrock_costs.reference.price_refresh import gaps, propose

    current = load_prices(pricing or default_pricing_path())
    prices = _offer_prices(offers)[0]
    print(gaps(propose(current, prices, model_names(), datetime.now(UTC).date()), current))
    return EXIT_OK


def _offer_prices(offers: list[str]) -> tuple[list, int]:
    from bedrock_costs.reference.price_list import read_offer

    prices, set_aside = [], 0
    for source in offers:
        found, skipped = read_offer(_read_offer_text(source))
        prices += found
        set_aside += len(skipped)
    return prices, set_aside


def _read_offer_text(source: str) -> str:
    try:
        if source.startswith(("https://", "http://")):
            from urllib.request import urlopen

            with urlopen(source, timeout=120) as response:
                return response.read().decode("utf-8")
        return storage.read_text(source)
    except OSError as exc:
        raise UsageError(f"cannot read the offer file ({exc})", file=source) from exc
