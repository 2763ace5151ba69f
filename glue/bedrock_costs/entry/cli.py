"""The `bedrock-costs` command line (CONTRACT §1): each sub-command registers its own parser
and handler (entry/commands/); this module assembles them and turns errors into exit codes."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from bedrock_costs import __version__
from bedrock_costs.contract.errors import (
    EXIT_FAILED,
    EXIT_QUALITY,
    EXIT_USAGE,
    AccountingError,
    PublishConflict,
    QualityGateError,
    UsageError,
)
from bedrock_costs.entry.commands import (
    demo,
    focus,
    maintain,
    pricing,
    profiles,
    query,
    reconcile,
    report,
    run,
    sample,
)

COMMANDS = (run, sample, reconcile, focus, demo, pricing, profiles, report, query, maintain)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bedrock-costs",
        description="Amazon Bedrock invocation logs to priced, tag-pivoted Parquet tables.",
    )
    parser.add_argument("--version", action="version", version=f"bedrock-costs {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        command.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except UsageError as exc:
        print(f"bedrock-costs: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except QualityGateError as exc:
        print(f"bedrock-costs: {exc}", file=sys.stderr)
        for line in exc.lines:
            print(line, file=sys.stderr)
        print(f"  results: {exc.saved_to}", file=sys.stderr)
        return EXIT_QUALITY
    except (AccountingError, PublishConflict) as exc:
        print(f"bedrock-costs: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except ModuleNotFoundError as exc:
        if (exc.name or "").split(".")[0] not in _SPARK_MODULES:
            raise
        print(f"bedrock-costs: error: {args.command} {_NO_SPARK}", file=sys.stderr)
        return EXIT_USAGE


# Spark is the `spark` extra (Glue and its Docker image bring their own)
_SPARK_MODULES = ("pyspark", "py4j")
_NO_SPARK = (
    "needs Spark, which is not installed here: pip install 'bedrock-costs[spark]' "
    "(Spark 3.5.4, as Glue 5.0 runs; Java 17 too)"
)


if __name__ == "__main__":
    sys.exit(main())
