"""`bedrock-costs sample`: realistic synthetic invocation logs, optionally with their CUR."""

from __future__ import annotations

import argparse
import contextlib
from pathlib import Path

from bedrock_costs.config import parse_date
from bedrock_costs.contract.errors import EXIT_OK, UsageError
from bedrock_costs.io import storage


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "sample",
        help="write synthetic invocation logs",
        description="Write realistic synthetic invocation logs in the "
        "S3 key layout Bedrock uses, plus a matching profiles CSV.",
    )
    parser.add_argument("--output", required=True, metavar="PATH")
    parser.add_argument(
        "--records", type=int, default=20_000, metavar="N", help="calls to generate (default 20000)"
    )
    parser.add_argument(
        "--days", type=int, default=7, metavar="D", help="days of traffic (default 7)"
    )
    parser.add_argument("--seed", type=int, default=7, metavar="S", help="random seed (default 7)")
    parser.add_argument("--end-date", metavar="D", help="last day of traffic (default 2026-10-31)")
    parser.add_argument(
        "--with-cur",
        nargs="?",
        const="",
        metavar="CUR_PATH",
        help="also write a CUR 2.0 export billing these calls, with planted discrepancies "
        "(default folder: the --output path with -cur appended)",
    )
    parser.set_defaults(handler=sample)


def sample(args: argparse.Namespace) -> int:
    from bedrock_costs.sample.logs import write_sample

    if storage.is_s3(args.output):
        raise UsageError("sample writes to a local folder; copy it to S3 with `aws s3 sync`")
    if args.records < 0 or args.days < 1:
        raise UsageError("--records must be 0 or more and --days 1 or more")
    end = parse_date(args.end_date, "--end-date") if args.end_date else None
    cur_path = None
    if args.with_cur is not None:
        cur_path = args.with_cur or args.output.rstrip("/") + "-cur"
        if storage.is_s3(cur_path):
            raise UsageError("--with-cur writes to a local folder")
    with contextlib.ExitStack() as stack:
        spark = None
        if cur_path:
            from bedrock_costs.io.session import scratch_session

            spark = stack.enter_context(scratch_session())
        counts = write_sample(
            args.output,
            records=args.records,
            days=args.days,
            seed=args.seed,
            end=end,
            cur=(spark, cur_path) if spark and cur_path else None,
        )
    print(
        f"wrote {counts['records']:,} calls in {counts['files']:,} objects under "
        f"{Path(args.output) / 'AWSLogs'} (+{counts['duplicates']} duplicate deliveries, "
        f"{counts['malformed']} malformed lines, {counts['late']} delivered after midnight)"
    )
    print(f"profiles CSV: {Path(args.output) / 'profiles.csv'}")
    if cur_path:
        print(
            f"CUR 2.0 export: {cur_path} ({counts['cur_lines']:,} line items, "
            f"{counts['cur_periods']} billing period(s))"
        )
    return EXIT_OK
